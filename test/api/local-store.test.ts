import { spawn } from 'node:child_process';
import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentNotFoundError } from '../../src/api/store/document-store.js';
import { hkdfSha256 } from '../../src/api/store/encrypted-format.js';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import { contentFor, keyFor, SERVICE, SIZE } from './fixtures/put-loop.js';

const SID = '00000000-1111-2222-3333-444444444444';
const NOTIFY_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dd-local-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function putOne(
  store: LocalDocumentStore,
  content: Buffer,
  extra: Partial<{
    filename: string;
    hashedRecipientEmail: string;
    retentionPeriod: string;
    createdAt: Date;
  }> = {},
) {
  const documentId = randomUUID();
  const key = randomBytes(32);
  await store.put({
    serviceId: SID,
    documentId,
    key,
    content,
    metadata: { mimetype: 'application/pdf', createdAt: new Date(), retentionPeriod: '4 weeks', ...extra },
  });
  return { documentId, key };
}

describe('local encrypted store', () => {
  it('round-trips documents of many sizes, with metadata', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1024 });
    for (const size of [1, 1023, 1024, 1025, 4096, 10_000]) {
      const content = randomBytes(size);
      const { documentId, key } = await putOne(store, content, {
        filename: 'Ünï €.pdf',
        hashedRecipientEmail: '$argon2id$x',
      });
      const metadata = await store.getMetadata(SID, documentId, key);
      expect(metadata).toMatchObject({
        mimetype: 'application/pdf',
        size,
        filename: 'Ünï €.pdf',
        hashedRecipientEmail: '$argon2id$x',
        retentionPeriod: '4 weeks',
        blocked: false,
      });
      const opened = await store.open(SID, documentId, key);
      expect((await readAll(opened.body)).equals(content)).toBe(true);
    }
  });

  it('derives keys with standard HKDF-SHA256', () => {
    for (const [ikm, salt, info] of [
      [randomBytes(32), randomBytes(32), Buffer.from('document-download local-store v1 a/b')],
      [randomBytes(32), Buffer.alloc(0), Buffer.alloc(0)],
    ] as const) {
      expect(
        hkdfSha256(ikm, salt, info, 64).equals(Buffer.from(hkdfSync('sha256', ikm, salt, info, 64))),
      ).toBe(true);
    }
  });

  it('keeps nothing readable on disk: no plaintext, no key', async () => {
    const store = new LocalDocumentStore({ root });
    const content = Buffer.from('PLAINTEXT-MARKER '.repeat(100));
    const { documentId, key } = await putOne(store, content);
    const data = await readFile(join(root, SID, `${documentId}.data`));
    const meta = await readFile(join(root, SID, `${documentId}.meta`));
    for (const file of [data, meta]) {
      expect(file.includes('PLAINTEXT-MARKER')).toBe(false);
      expect(file.includes(key)).toBe(false);
      expect(file.includes(key.toString('base64url'))).toBe(false);
    }
  });

  it('seals the filename and email hash under the key; only what purge and block need is in the clear', async () => {
    const store = new LocalDocumentStore({ root });
    const filename = 'Secret-Filename-Marker ✓.pdf';
    const { documentId, key } = await putOne(store, Buffer.from('x'), {
      filename,
      hashedRecipientEmail: NOTIFY_HASH,
      createdAt: new Date('2026-11-01T09:00:00Z'),
      retentionPeriod: '3 weeks',
    });
    const text = await readFile(join(root, SID, `${documentId}.meta`), 'utf8');
    for (const secret of ['Secret-Filename-Marker', 'argon2', NOTIFY_HASH.slice(-22), 'filename', 'Email']) {
      expect(text).not.toContain(secret);
    }
    const stored = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(stored).sort()).toEqual(
      ['blocked', 'createdAt', 'mimetype', 'retentionPeriod', 'sealed', 'size', 'version'].sort(),
    );
    expect(stored).toMatchObject({
      version: 2,
      mimetype: 'application/pdf',
      size: 1,
      createdAt: '2026-11-01T09:00:00.000Z',
      retentionPeriod: '3 weeks',
      blocked: false,
    });
    // Without an email hash the sealed part is as long: its length does not tell.
    const plain = await putOne(store, Buffer.from('x'));
    const plainStored = JSON.parse(await readFile(join(root, SID, `${plain.documentId}.meta`), 'utf8')) as {
      sealed: string;
    };
    expect(plainStored.sealed.length).toBe((stored.sealed as string).length);

    expect(await store.getMetadata(SID, documentId, key)).toMatchObject({
      filename,
      hashedRecipientEmail: NOTIFY_HASH,
    });
    // Block without the key keeps the sealed part intact.
    await store.setBlocked(SID, documentId, true);
    expect(await store.getMetadata(SID, documentId, key)).toMatchObject({ filename, blocked: true });
    // Another document's sealed part does not open here.
    await writeFile(
      join(root, SID, `${documentId}.meta`),
      JSON.stringify({ ...stored, sealed: plainStored.sealed }),
    );
    await expect(store.getMetadata(SID, documentId, key)).rejects.toThrow(DocumentNotFoundError);
  });

  it('reads a store written before metadata was sealed (version 1): read, block, purge', async () => {
    const v1Root = await mkdtemp(join(tmpdir(), 'dd-local-v1-'));
    await cp(join(import.meta.dirname, 'fixtures', 'local-store-v1'), v1Root, { recursive: true });
    const store = new LocalDocumentStore({ root: v1Root });
    const v1 = {
      documentId: '0f6c1b8e-5d2a-4e37-9b1c-7a8d9e0f1a2b',
      key: Buffer.from('q6mxqGDzv5ZjRiHXCqRQbxBWmH3JEnCdzzXlFNDKIyA', 'base64url'),
    };
    const expected = {
      mimetype: 'application/pdf',
      size: 45,
      filename: 'Old – store.pdf',
      hashedRecipientEmail: NOTIFY_HASH,
      createdAt: new Date('2026-11-20T10:00:00Z'),
      retentionPeriod: '78 weeks',
      blocked: false,
    };
    expect(await store.getMetadata(SID, v1.documentId, v1.key)).toEqual(expected);
    const opened = await store.open(SID, v1.documentId, v1.key);
    expect((await readAll(opened.body)).toString()).toBe('%PDF-1.4\nwritten by the v1 local store\n%%EOF\n');
    await expect(store.getMetadata(SID, v1.documentId, randomBytes(32))).rejects.toThrow(
      DocumentNotFoundError,
    );
    await store.setBlocked(SID, v1.documentId, true);
    expect(await store.getMetadata(SID, v1.documentId, v1.key)).toEqual({ ...expected, blocked: true });
    // New documents beside it are written sealed.
    const fresh = await putOne(store, Buffer.from('new'), { filename: 'new.pdf' });
    const freshMeta = JSON.parse(await readFile(join(v1Root, SID, `${fresh.documentId}.meta`), 'utf8')) as {
      version: number;
    };
    expect(freshMeta.version).toBe(2);
    expect(await store.purgeExpired(new Date('2028-06-01T00:00:00Z'))).toBe(2);
    expect(await store.purgeExpired(new Date('2026-12-01T00:00:00Z'))).toBe(0);
    await rm(v1Root, { recursive: true, force: true });
  });

  it('serves byte ranges, decrypting only what is asked', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1000 });
    const content = randomBytes(5500);
    const { documentId, key } = await putOne(store, content);
    for (const [start, end] of [
      [0, 0],
      [0, 999],
      [999, 1000],
      [1500, 4321],
      [5000, 5499],
      [5499, 5499],
      [0, 5499],
    ] as const) {
      const opened = await store.open(SID, documentId, key, { start, end });
      expect((await readAll(opened.body)).equals(content.subarray(start, end + 1))).toBe(true);
    }
  });

  it('reads across batches of chunks', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1024 });
    const content = randomBytes(1300 * 1024 + 17); // three reads of 512 chunks
    const { documentId, key } = await putOne(store, content);
    expect((await readAll((await store.open(SID, documentId, key)).body)).equals(content)).toBe(true);
    for (const [start, end] of [
      [524_287, 524_288],
      [100, 1_100_000],
      [content.length - 5, content.length - 1],
    ] as const) {
      const opened = await store.open(SID, documentId, key, { start, end });
      expect((await readAll(opened.body)).equals(content.subarray(start, end + 1))).toBe(true);
    }
  });

  it('answers a wrong key exactly like a missing document', async () => {
    const store = new LocalDocumentStore({ root });
    const { documentId } = await putOne(store, Buffer.from('secret'));
    const wrong = randomBytes(32);
    await expect(store.getMetadata(SID, documentId, wrong)).rejects.toThrow(DocumentNotFoundError);
    await expect(store.open(SID, documentId, wrong)).rejects.toThrow(DocumentNotFoundError);
    await expect(store.getMetadata(SID, randomUUID(), wrong)).rejects.toThrow(DocumentNotFoundError);
    await expect(store.getMetadata(SID, documentId, Buffer.alloc(5))).rejects.toThrow(DocumentNotFoundError);
    await expect(store.getMetadata('../../etc', documentId, wrong)).rejects.toThrow(DocumentNotFoundError);
    await expect(store.getMetadata(SID, '../passwd', wrong)).rejects.toThrow(DocumentNotFoundError);
  });

  it('detects tampering with the data (stream fails) or the header (not found)', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1024 });
    const content = randomBytes(4000);
    const { documentId, key } = await putOne(store, content);
    const path = join(root, SID, `${documentId}.data`);
    const original = await readFile(path);

    const flipped = Buffer.from(original);
    flipped.writeUInt8((flipped.readUInt8(84 + 2000) ^ 1) & 0xff, 84 + 2000);
    await writeFile(path, flipped);
    await expect(readAll((await store.open(SID, documentId, key)).body)).rejects.toThrow();

    await writeFile(path, original.subarray(0, original.length - 100)); // truncated
    await expect(readAll((await store.open(SID, documentId, key)).body)).rejects.toThrow();

    const header = Buffer.from(original);
    header.writeBigUInt64BE(10n, 12); // claims a shorter file
    await writeFile(path, header);
    await expect(store.getMetadata(SID, documentId, key)).rejects.toThrow(DocumentNotFoundError);
  });

  it('purges expired documents and abandoned partial writes', async () => {
    const purgeRoot = await mkdtemp(join(tmpdir(), 'dd-purge-'));
    const store = new LocalDocumentStore({ root: purgeRoot });
    const old = await putOne(store, Buffer.from('old'), {
      createdAt: new Date('2020-01-01'),
      retentionPeriod: '1 week',
    });
    const fresh = await putOne(store, Buffer.from('fresh'));
    const orphan = join(purgeRoot, SID, `${randomUUID()}.data`);
    const temp = join(purgeRoot, SID, `.${randomUUID()}.abc.data.tmp`);
    await writeFile(orphan, 'partial');
    await writeFile(temp, 'partial');
    const longAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(orphan, longAgo, longAgo);
    await utimes(temp, longAgo, longAgo);

    expect(await store.purgeExpired(new Date())).toBe(1);
    await expect(store.getMetadata(SID, old.documentId, old.key)).rejects.toThrow(DocumentNotFoundError);
    expect((await store.getMetadata(SID, fresh.documentId, fresh.key)).size).toBe(5);
    const left = await readdir(join(purgeRoot, SID));
    expect(left.sort()).toEqual([`${fresh.documentId}.data`, `${fresh.documentId}.meta`].sort());
    await rm(purgeRoot, { recursive: true, force: true });
  });

  it('leaves no partial document readable when killed with SIGKILL mid-write', async () => {
    const killRoot = await mkdtemp(join(tmpdir(), 'dd-kill-'));
    const store = new LocalDocumentStore({ root: killRoot });
    const started = new Map<string, string>();
    const done = new Set<string>();
    // Killed while a document's data is written but not yet renamed, then after the data rename but before
    // the metadata (the commit point), then at a moment left to chance (while writing, or between writes).
    const rounds: Array<{ pauseAt: string; killOn: string; delayMs: number }> = [
      { pauseAt: 'data', killOn: 'rename-data', delayMs: 0 },
      { pauseAt: 'meta', killOn: 'rename-meta', delayMs: 0 },
      { pauseAt: 'none', killOn: 'start', delayMs: 3 },
    ];
    for (const { pauseAt, killOn, delayMs } of rounds) {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'put-loop.ts'), killRoot, pauseAt],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let buffered = '';
      let kill = false;
      let completedThisRound = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const [event, id, seed] = buffered.slice(0, newline).split(' ') as [string, string?, string?];
          buffered = buffered.slice(newline + 1);
          if (event === 'start') started.set(id as string, seed as string);
          if (event === 'done') {
            done.add(id as string);
            completedThisRound++;
          }
          // Let two documents complete first, then kill at the chosen point.
          if (event === killOn && completedThisRound >= 2 && !kill) {
            kill = true;
            setTimeout(() => child.kill('SIGKILL'), delayMs);
          }
        }
      });
      await new Promise((resolve) => child.once('exit', resolve));
    }
    let readable = 0;
    let unreadable = 0;
    for (const [documentId, seed] of started) {
      try {
        const opened = await store.open(SERVICE, documentId, keyFor(seed));
        const body = await readAll(opened.body);
        expect(body.length).toBe(SIZE);
        expect(body.equals(contentFor(seed, SIZE))).toBe(true);
        readable++;
      } catch (error) {
        expect(error).toBeInstanceOf(DocumentNotFoundError);
        expect(done.has(documentId)).toBe(false);
        unreadable++;
      }
    }
    // The pauses guarantee partial files were on disk at the kills: a temp data file, then an orphan data file.
    const left = await readdir(join(killRoot, SERVICE));
    expect(left.some((name) => name.endsWith('.data.tmp'))).toBe(true);
    expect(left.filter((name) => name.endsWith('.data')).length).toBeGreaterThan(
      left.filter((name) => name.endsWith('.meta')).length,
    );
    expect(readable).toBeGreaterThanOrEqual(6);
    expect(unreadable).toBeGreaterThanOrEqual(2);
    await rm(killRoot, { recursive: true, force: true });
  }, 60_000);
});
