// What every document store promises (src/api/store/document-store.ts), as one suite any store runs through
// `describeStoreContract`. A new store adds one `describeStoreContract(...)` call in
// test/api/store-contract.test.ts; what only one store does stays in that store's own test file.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableUntil } from '../../src/api/expiry.js';
import {
  DocumentNotFoundError,
  type DocumentStore,
  type NewDocument,
} from '../../src/api/store/document-store.js';

export interface StoreUnderTest {
  store: DocumentStore;
  /**
   * Leaves `document` as a writer that died part-way through `put` would leave it (a process killed, a
   * connection cut): whatever that store can have half-written.
   */
  interruptPut(document: NewDocument): Promise<void>;
  /** Staged writes the store still holds somewhere (temporary files, open multipart uploads). */
  stagedLeftovers(): Promise<number>;
  /** Makes every staged write in progress fail at its next step (what storage failing under it looks like). */
  sabotageStagedWrites(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreContractSetup {
  /** Once before the cases: start what the store needs (a server). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** A new, empty store. */
  open(): Promise<StoreUnderTest>;
  /** For stores behind a server: room for `start`. */
  startTimeoutMs?: number;
  /** Bytes that make a staged write span several of the store's units (chunks, multipart parts). */
  multiPartBytes: number;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Writes `content` to a staged document in pieces of `piece` bytes. */
async function writeInPieces(
  staged: { write(chunk: Buffer): Promise<void> },
  content: Buffer,
  piece = 256 * 1024,
) {
  for (let at = 0; at < content.length; at += piece) await staged.write(content.subarray(at, at + piece));
}

// A hash the way Notify writes it (argon2id, its parameters, for test@example.com).
const NOTIFY_EMAIL_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const DAY_MS = 86_400_000;

/** A new document; `createdAt` on a whole second, as every store keeps it. */
export function newDocument(
  overrides: Partial<Omit<NewDocument, 'metadata'>> = {},
  metadata: Partial<NewDocument['metadata']> = {},
): NewDocument {
  return {
    serviceId: randomUUID(),
    documentId: randomUUID(),
    key: randomBytes(32),
    content: PDF,
    ...overrides,
    metadata: {
      mimetype: 'application/pdf',
      createdAt: new Date(Math.floor(Date.now() / 1000) * 1000),
      retentionPeriod: '26 weeks',
      ...metadata,
    },
  };
}

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function describeStoreContract(name: string, setup: StoreContractSetup): void {
  describe(`document store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: DocumentStore;
    const opened: StoreUnderTest[] = [];
    const openStore = async () => {
      const fresh = await setup.open();
      opened.push(fresh);
      return fresh;
    };

    beforeAll(async () => {
      await setup.start?.();
      subject = await openStore();
      store = subject.store;
    }, setup.startTimeoutMs ?? 10_000);

    afterAll(async () => {
      await Promise.all(opened.map((one) => one.close()));
      await setup.stop?.();
    }, 60_000);

    const notFound = (promise: Promise<unknown>) =>
      expect(promise).rejects.toBeInstanceOf(DocumentNotFoundError);

    it('puts a document and reads it back with its metadata', async () => {
      const doc = newDocument(
        {},
        { createdAt: new Date('2026-01-02T03:04:05Z'), retentionPeriod: '4 weeks' },
      );
      await store.put(doc);
      const metadata = await store.getMetadata(doc.serviceId, doc.documentId, doc.key);
      expect(metadata).toEqual({
        mimetype: 'application/pdf',
        size: PDF.length,
        createdAt: new Date('2026-01-02T03:04:05Z'),
        retentionPeriod: '4 weeks',
        blocked: false,
      });
      const document = await store.open(doc.serviceId, doc.documentId, doc.key);
      expect(document.metadata).toEqual(metadata);
      expect(await readAll(document.body)).toEqual(PDF);
    });

    it('keeps a unicode filename, the email hash and the type', async () => {
      const filename = 'Données – ☃ 日本 😀.csv';
      const doc = newDocument(
        { content: Buffer.from('a,b\n1,2\n') },
        {
          mimetype: 'text/csv',
          filename,
          hashedRecipientEmail: NOTIFY_EMAIL_HASH,
          retentionPeriod: '2 weeks',
        },
      );
      await store.put(doc);
      expect(await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).toMatchObject({
        mimetype: 'text/csv',
        size: 8,
        filename,
        hashedRecipientEmail: NOTIFY_EMAIL_HASH,
        retentionPeriod: '2 weeks',
      });
    });

    it('answers a wrong key, a short key, a missing document or a strange id exactly alike: not found', async () => {
      const doc = newDocument();
      await store.put(doc);
      for (const key of [randomBytes(32), randomBytes(16), Buffer.alloc(0)]) {
        await notFound(store.getMetadata(doc.serviceId, doc.documentId, key));
        await notFound(store.open(doc.serviceId, doc.documentId, key));
        await notFound(store.open(doc.serviceId, doc.documentId, key, { start: 0, end: 3 }));
      }
      await notFound(store.getMetadata(doc.serviceId, randomUUID(), doc.key));
      await notFound(store.open(randomUUID(), doc.documentId, doc.key));
      await notFound(store.setBlocked(randomUUID(), randomUUID(), true));
      await notFound(store.getMetadata('../x', doc.documentId, doc.key));
      await notFound(store.getMetadata(doc.serviceId, '../passwd', doc.key));
    });

    it('serves byte ranges of the decrypted content, and refuses one past the end', async () => {
      const content = randomBytes(100_000);
      const doc = newDocument({ content });
      await store.put(doc);
      for (const [start, end] of [
        [0, 0],
        [10, 99],
        [65_536, 70_000],
        [99_990, 99_999],
        [0, 99_999],
      ] as Array<[number, number]>) {
        const document = await store.open(doc.serviceId, doc.documentId, doc.key, { start, end });
        expect(document.metadata.size).toBe(content.length);
        expect((await readAll(document.body)).equals(content.subarray(start, end + 1))).toBe(true);
      }
      for (const range of [
        { start: 100_000, end: 100_010 },
        { start: 5, end: 4 },
      ]) {
        await expect(store.open(doc.serviceId, doc.documentId, doc.key, range)).rejects.toBeInstanceOf(
          RangeError,
        );
      }
    });

    it('blocks and unblocks without the key, keeping the rest of the metadata', async () => {
      const createdAt = new Date('2026-02-03T04:05:06Z');
      const doc = newDocument({}, { createdAt, retentionPeriod: '12 weeks', filename: 'a.pdf' });
      await store.put(doc);
      await store.setBlocked(doc.serviceId, doc.documentId, true);
      const kept = { createdAt, retentionPeriod: '12 weeks', filename: 'a.pdf' };
      expect(await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).toMatchObject({
        ...kept,
        blocked: true,
      });
      // Blocked documents are still there: refusing them is the caller's decision.
      const document = await store.open(doc.serviceId, doc.documentId, doc.key);
      expect(document.metadata.blocked).toBe(true);
      expect(await readAll(document.body)).toEqual(PDF);
      await store.setBlocked(doc.serviceId, doc.documentId, false);
      expect(await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).toMatchObject({
        ...kept,
        blocked: false,
      });
    });

    it('reports what expiry depends on: creation time and retention, no storage expiry of its own', async () => {
      const doc = newDocument(
        {},
        { createdAt: new Date('2026-03-10T23:30:00Z'), retentionPeriod: '1 weeks' },
      );
      await store.put(doc);
      const metadata = await store.getMetadata(doc.serviceId, doc.documentId, doc.key);
      expect(metadata.storageExpiresAt).toBeUndefined();
      expect(availableUntil(metadata)).toBe('2026-03-17');
    });

    it('deletes, idempotently', async () => {
      const doc = newDocument();
      await store.put(doc);
      await store.delete(doc.serviceId, doc.documentId);
      await notFound(store.getMetadata(doc.serviceId, doc.documentId, doc.key));
      await notFound(store.setBlocked(doc.serviceId, doc.documentId, true));
      await expect(store.delete(doc.serviceId, doc.documentId)).resolves.toBeUndefined();
    });

    it('purges exactly the expired documents, without their keys', async () => {
      const { store: purging } = await openStore();
      const now = new Date('2026-06-30T12:00:00Z');
      const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
      const serviceId = randomUUID();
      const expired = [
        newDocument({ serviceId }, { createdAt: daysAgo(8), retentionPeriod: '1 weeks' }),
        newDocument({}, { createdAt: daysAgo(30), retentionPeriod: '2 weeks' }),
        newDocument({}, { createdAt: daysAgo(400), retentionPeriod: '26 weeks' }),
      ];
      const kept = [
        newDocument({ serviceId }, { createdAt: daysAgo(7), retentionPeriod: '1 weeks' }), // its last day is today
        newDocument({}, { createdAt: daysAgo(13), retentionPeriod: '2 weeks' }),
        newDocument({}, { createdAt: daysAgo(1), retentionPeriod: '78 weeks' }),
      ];
      for (const doc of [...expired, ...kept]) await purging.put(doc);
      expect(await purging.purgeExpired(now)).toBe(expired.length);
      for (const doc of expired) await notFound(purging.getMetadata(doc.serviceId, doc.documentId, doc.key));
      for (const doc of kept) {
        expect((await purging.getMetadata(doc.serviceId, doc.documentId, doc.key)).size).toBe(PDF.length);
      }
      expect(await purging.purgeExpired(now)).toBe(0);
    });

    it('stages a multi-part document: invisible (even to purge) until commit, then byte-identical with its metadata', async () => {
      const under = await openStore();
      const staging = under.store;
      const doc = newDocument({ content: randomBytes(setup.multiPartBytes) });
      const metadata = { ...doc.metadata, filename: 'Adroddiad – ☃.pdf', language: 'cy' as const };
      const staged = await staging.stage({
        serviceId: doc.serviceId,
        documentId: doc.documentId,
        key: doc.key,
      });
      await writeInPieces(staged, doc.content, 100_000);
      await notFound(staging.getMetadata(doc.serviceId, doc.documentId, doc.key));
      await notFound(staging.open(doc.serviceId, doc.documentId, doc.key));
      expect(await staging.purgeExpired(new Date('2100-01-01T00:00:00Z'))).toBe(0);
      await staged.commit(metadata);
      expect(await staging.getMetadata(doc.serviceId, doc.documentId, doc.key)).toEqual({
        mimetype: 'application/pdf',
        size: doc.content.length,
        filename: 'Adroddiad – ☃.pdf',
        language: 'cy',
        createdAt: doc.metadata.createdAt,
        retentionPeriod: '26 weeks',
        blocked: false,
      });
      const body = await readAll((await staging.open(doc.serviceId, doc.documentId, doc.key)).body);
      expect(sha256(body)).toBe(sha256(doc.content));
      // A range from the middle, across the store's units, as a resumed download asks.
      const start = Math.floor(doc.content.length / 2) - 1000;
      const end = start + 3 * 1024 * 1024;
      const range = await staging.open(doc.serviceId, doc.documentId, doc.key, { start, end });
      expect(range.metadata.size).toBe(doc.content.length);
      expect(sha256(await readAll(range.body))).toBe(sha256(doc.content.subarray(start, end + 1)));
      await notFound(staging.open(doc.serviceId, doc.documentId, randomBytes(32)));
      expect(await under.stagedLeftovers()).toBe(0);
    }, 120_000);

    it('stages small and empty documents, with the metadata given at the start or only at commit', async () => {
      for (const content of [Buffer.alloc(0), PDF]) {
        const doc = newDocument({ content }, { language: 'en', hashedRecipientEmail: NOTIFY_EMAIL_HASH });
        const staged = await store.stage({
          serviceId: doc.serviceId,
          documentId: doc.documentId,
          key: doc.key,
          metadataHint: async () => ({ mimetype: 'application/pdf' }),
        });
        await staged.write(content);
        await staged.commit(doc.metadata);
        const document = await store.open(doc.serviceId, doc.documentId, doc.key);
        expect(document.metadata).toMatchObject({
          size: content.length,
          language: 'en',
          hashedRecipientEmail: NOTIFY_EMAIL_HASH,
        });
        expect((await readAll(document.body)).equals(content)).toBe(true);
      }
    });

    it('keeps the committed metadata when it differs from the hint given at the start', async () => {
      const doc = newDocument({ content: randomBytes(setup.multiPartBytes) });
      const staged = await store.stage({
        serviceId: doc.serviceId,
        documentId: doc.documentId,
        key: doc.key,
        metadataHint: async () => ({ mimetype: 'application/octet-stream', retentionPeriod: '1 weeks' }),
      });
      await writeInPieces(staged, doc.content);
      await staged.commit({
        ...doc.metadata,
        mimetype: 'text/csv',
        filename: 'late.csv',
        retentionPeriod: '3 weeks',
      });
      expect(await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).toMatchObject({
        mimetype: 'text/csv',
        filename: 'late.csv',
        retentionPeriod: '3 weeks',
        size: doc.content.length,
      });
    }, 120_000);

    it('keeps the language of a put, and reads documents without one as English (absent)', async () => {
      const welsh = newDocument({}, { language: 'cy' });
      const plain = newDocument();
      await store.put(welsh);
      await store.put(plain);
      expect((await store.getMetadata(welsh.serviceId, welsh.documentId, welsh.key)).language).toBe('cy');
      expect(await store.getMetadata(plain.serviceId, plain.documentId, plain.key)).not.toHaveProperty(
        'language',
      );
    });

    it('leaves nothing after an abort, or after a staged write whose storage failed', async () => {
      const under = await openStore();
      const staging = under.store;
      const aborted = newDocument({ content: randomBytes(setup.multiPartBytes) });
      const staged = await staging.stage({
        serviceId: aborted.serviceId,
        documentId: aborted.documentId,
        key: aborted.key,
      });
      await writeInPieces(staged, aborted.content.subarray(0, aborted.content.length - 1000));
      await staged.abort();
      await staged.abort();
      await expect(staged.write(Buffer.from('more'))).rejects.toThrow();
      await expect(staged.commit(aborted.metadata)).rejects.toThrow();
      await notFound(staging.getMetadata(aborted.serviceId, aborted.documentId, aborted.key));
      expect(await under.stagedLeftovers()).toBe(0);

      const failing = newDocument({ content: randomBytes(setup.multiPartBytes) });
      const doomed = await staging.stage({
        serviceId: failing.serviceId,
        documentId: failing.documentId,
        key: failing.key,
      });
      await writeInPieces(doomed, failing.content);
      await under.sabotageStagedWrites();
      await expect(doomed.commit(failing.metadata)).rejects.toThrow();
      await doomed.abort();
      await notFound(staging.getMetadata(failing.serviceId, failing.documentId, failing.key));
      expect(await under.stagedLeftovers()).toBe(0);
      // The store still works after it.
      await staging.put(failing);
      expect((await staging.getMetadata(failing.serviceId, failing.documentId, failing.key)).size).toBe(
        failing.content.length,
      );
    }, 120_000);

    it('never shows a write that died part-way, and a later put of the same document works', async () => {
      const doc = newDocument({ content: randomBytes(300_000) });
      await subject.interruptPut(doc);
      await notFound(store.getMetadata(doc.serviceId, doc.documentId, doc.key));
      await notFound(store.open(doc.serviceId, doc.documentId, doc.key));
      await store.put(doc);
      const document = await store.open(doc.serviceId, doc.documentId, doc.key);
      expect((await readAll(document.body)).equals(doc.content)).toBe(true);
    });
  });
}
