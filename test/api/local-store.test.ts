import { spawn } from 'node:child_process';
import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DocumentNotFoundError } from '../../src/api/store/document-store.js';
import {
  type DataFileSource,
  decryptingStream,
  HEADER_BYTES,
  hkdfSha256,
  openDocument,
  StreamSealer,
} from '../../src/api/store/encrypted-format.js';
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

  it('reads documents whose size is in the data header (data version 1, written before streamed writes)', async () => {
    const sizedRoot = await mkdtemp(join(tmpdir(), 'dd-local-sized-'));
    await cp(join(import.meta.dirname, 'fixtures', 'local-store-sized'), sizedRoot, { recursive: true });
    const store = new LocalDocumentStore({ root: sizedRoot });
    const documentId = '5b0e2c6a-8f3d-4a1e-9c7b-2d4f6a8b0c1e';
    const key = Buffer.from('yG3n0o2cV9u5kq7mPz1rT4wXbE8sA6dLhJfQ2iN0tOc', 'base64url');
    const content = Buffer.alloc(200_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 8)) & 0xff;
    expect(await store.getMetadata(SID, documentId, key)).toEqual({
      mimetype: 'application/pdf',
      size: 200_000,
      filename: 'Sized – v1 data.pdf',
      createdAt: new Date('2026-11-25T10:00:00Z'),
      retentionPeriod: '78 weeks',
      blocked: false,
    });
    expect((await readAll((await store.open(SID, documentId, key)).body)).equals(content)).toBe(true);
    const range = await store.open(SID, documentId, key, { start: 65_000, end: 140_000 });
    expect((await readAll(range.body)).equals(content.subarray(65_000, 140_001))).toBe(true);
    await expect(store.getMetadata(SID, documentId, randomBytes(32))).rejects.toThrow(DocumentNotFoundError);
    await rm(sizedRoot, { recursive: true, force: true });
  });

  it('streams a staged write to disk: sealed with the size and language under the key, header version 2', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1000 });
    const documentId = randomUUID();
    const key = randomBytes(32);
    const content = randomBytes(10_500);
    const staged = await store.stage({ serviceId: SID, documentId, key });
    for (let at = 0; at < content.length; at += 777) await staged.write(content.subarray(at, at + 777));
    // Nothing in the service's folder before the commit; the temporary file names its writer.
    const staging = await readdir(join(root, '.staging'));
    expect(
      staging.some((name) => name.startsWith(`${SID}.${documentId}.`) && name.endsWith('.data.tmp')),
    ).toBe(true);
    await expect(readFile(join(root, SID, `${documentId}.meta`))).rejects.toThrow();
    await staged.commit({
      mimetype: 'text/plain',
      createdAt: new Date(),
      retentionPeriod: '1 weeks',
      language: 'cy',
    });
    const data = await readFile(join(root, SID, `${documentId}.data`));
    expect(data.readUInt8(4)).toBe(2);
    expect(data.readBigUInt64BE(12)).toBe(0n);
    expect(data.length).toBe(84 + content.length + 11 * 16);
    const meta = await readFile(join(root, SID, `${documentId}.meta`), 'utf8');
    // The language is sealed: no clear field holds it (the sealed base64 may contain "cy" by chance).
    const clear = JSON.parse(meta) as Record<string, unknown>;
    expect(clear).not.toHaveProperty('language');
    expect(Object.entries(clear).filter(([name, value]) => name !== 'sealed' && value === 'cy')).toEqual([]);
    expect(await store.getMetadata(SID, documentId, key)).toMatchObject({ size: 10_500, language: 'cy' });
    expect((await readAll((await store.open(SID, documentId, key)).body)).equals(content)).toBe(true);
    expect((await readdir(join(root, '.staging'))).filter((name) => name.includes(documentId))).toEqual([]);
  });

  it('removes temporary files of dead writers when it opens, and keeps those of live ones', async () => {
    const cleanRoot = await mkdtemp(join(tmpdir(), 'dd-clean-'));
    const live = new LocalDocumentStore({ root: cleanRoot });
    const staged = await live.stage({ serviceId: SID, documentId: randomUUID(), key: randomBytes(32) });
    await staged.write(Buffer.from('still being written'));
    const staging = join(cleanRoot, '.staging');
    const [liveFile] = await readdir(staging);
    const host = (liveFile as string).split('.')[2]?.split('-')[0] as string;
    // A writer on this host that no longer runs, one whose id was reused by a later process, one on another host
    // (checked by age: recent, then old), and a name nobody wrote.
    const dead = `${SID}.${randomUUID()}.${host}-999999999-12345.aa.data.tmp`;
    const reused = `${SID}.${randomUUID()}.${host}-${process.pid}-1.bb.data.tmp`;
    const otherHostRecent = `${SID}.${randomUUID()}.ffffffff-1-1.cc.data.tmp`;
    const otherHostOld = `${SID}.${randomUUID()}.ffffffff-1-1.dd.meta.tmp`;
    for (const name of [dead, reused, otherHostRecent, otherHostOld])
      await writeFile(join(staging, name), 'x');
    const longAgo = new Date(Date.now() - 25 * 3600_000);
    await utimes(join(staging, otherHostOld), longAgo, longAgo);
    await LocalDocumentStore.open({ root: cleanRoot });
    expect((await readdir(staging)).sort()).toEqual([liveFile, otherHostRecent].sort());
    await staged.abort();
    expect((await readdir(staging)).sort()).toEqual([otherHostRecent]);
    await rm(cleanRoot, { recursive: true, force: true });
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

  it('keeps concurrent downloads apart when some stop part-way (shared read buffers), and closes every file', async () => {
    const store = new LocalDocumentStore({ root, chunkBytes: 1024 });
    const documents = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const content = randomBytes(1600 * 1024 + 5);
        return { content, ...(await putOne(store, content)) };
      }),
    );
    const openFiles = async () => (await readdir('/proc/self/fd')).length;
    const filesBefore = await openFiles();
    for (let wave = 0; wave < 3; wave++) {
      await Promise.all(
        documents.map(async ({ content, documentId, key }, at) => {
          const { body } = await store.open(SID, documentId, key);
          if (at % 2 === 1) {
            // Stopped after its first piece, most likely with its next read in flight.
            for await (const piece of body) {
              expect((piece as Buffer).equals(content.subarray(0, (piece as Buffer).length))).toBe(true);
              break;
            }
            return;
          }
          expect((await readAll(body)).equals(content)).toBe(true);
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openFiles()).toBe(filesBefore);
  });

  it('never lends a stopped download’s read buffer to another while its read is still in flight', async () => {
    const serviceId = randomUUID();
    const documentId = randomUUID();
    const key = randomBytes(32);
    const content = randomBytes(64 * 1024);
    const sealer = new StreamSealer(key, serviceId, documentId, 4096);
    const file = Buffer.concat([sealer.header, ...sealer.push(content), ...sealer.finish()]);
    const stored = sealer.metadata({
      mimetype: 'text/plain',
      createdAt: new Date(),
      retentionPeriod: '1 weeks',
    });
    const opened = openDocument(
      stored,
      file.subarray(0, HEADER_BYTES),
      file.length,
      key,
      serviceId,
      documentId,
    );
    if (!opened) throw new Error('the sealed document does not open');
    const lent: Buffer[] = [];
    let releaseHeldRead: () => void = () => undefined;
    const source = (hold: boolean): DataFileSource => ({
      read: async (buffer, position) => {
        lent.push(buffer);
        if (hold) await new Promise<void>((resolve) => (releaseHeldRead = resolve));
        // A late read lands whatever is at that place in the file, over what the buffer holds now.
        return file.copy(buffer, 0, position, position + buffer.length);
      },
      close: async () => undefined,
    });
    const stopped = decryptingStream(source(true), opened.header, opened.keys, 0, content.length - 1);
    stopped.resume();
    await new Promise((resolve) => setTimeout(resolve, 10));
    stopped.destroy();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const next = decryptingStream(source(false), opened.header, opened.keys, 1000, content.length - 1);
    const read = readAll(next);
    await new Promise((resolve) => setTimeout(resolve, 10));
    releaseHeldRead();
    expect((await read).equals(content.subarray(1000))).toBe(true);
    expect(lent.length).toBeGreaterThanOrEqual(2);
    expect(lent[1]?.buffer).not.toBe(lent[0]?.buffer);
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

    // Truncated, or extended: the length no longer matches the size sealed in the metadata.
    await writeFile(path, original.subarray(0, original.length - 100));
    await expect(store.open(SID, documentId, key)).rejects.toThrow(DocumentNotFoundError);
    await writeFile(path, Buffer.concat([original, Buffer.alloc(16)]));
    await expect(store.open(SID, documentId, key)).rejects.toThrow(DocumentNotFoundError);

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

  it('leaves no partial document readable, and no temporary file after reopening, when killed with SIGKILL mid-write', async () => {
    const killRoot = await mkdtemp(join(tmpdir(), 'dd-kill-'));
    const started = new Map<string, string>();
    const done = new Set<string>();
    // Killed while a document's data is written but not yet renamed, then after the data rename but before
    // the metadata (the commit point), then at a moment left to chance (while writing, or between writes).
    const rounds: Array<{ pauseAt: string; killOn: string; delayMs: number }> = [
      { pauseAt: 'data', killOn: 'rename-data', delayMs: 0 },
      { pauseAt: 'meta', killOn: 'rename-meta', delayMs: 0 },
      { pauseAt: 'none', killOn: 'start', delayMs: 3 },
    ];
    // What each killed writer left on disk, before the next one starts (and clears it up).
    const leftovers: Array<{ staging: string[]; orphans: string[] }> = [];
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
      const names = await readdir(join(killRoot, SERVICE)).catch(() => [] as string[]);
      leftovers.push({
        staging: await readdir(join(killRoot, '.staging')).catch(() => [] as string[]),
        orphans: names.filter(
          (name) => name.endsWith('.data') && !names.includes(`${name.slice(0, -5)}.meta`),
        ),
      });
    }
    // The pauses guarantee partial files were on disk at the kills: temporary data and metadata, then a data file
    // renamed into place whose metadata never followed.
    expect(leftovers[0]?.staging.some((name) => name.endsWith('.data.tmp'))).toBe(true);
    expect(leftovers[1]?.orphans.length).toBe(1);
    expect(leftovers[1]?.staging.some((name) => name.endsWith('.meta.tmp'))).toBe(true);

    const reopened = await LocalDocumentStore.open({ root: killRoot });
    expect(await readdir(join(killRoot, '.staging'))).toEqual([]);
    const left = await readdir(join(killRoot, SERVICE));
    const data = left.filter((name) => name.endsWith('.data')).sort();
    expect(data.map((name) => `${name.slice(0, -5)}.meta`)).toEqual(
      left.filter((name) => name.endsWith('.meta')).sort(),
    );
    expect(left.length).toBe(data.length * 2);
    let readable = 0;
    let unreadable = 0;
    for (const [documentId, seed] of started) {
      try {
        const opened = await reopened.open(SERVICE, documentId, keyFor(seed));
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
    expect(readable).toBeGreaterThanOrEqual(6);
    expect(unreadable).toBeGreaterThanOrEqual(2);
    await rm(killRoot, { recursive: true, force: true });
  }, 60_000);
});
