import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableUntil } from '../../src/api/expiry.js';
import { DocumentNotFoundError, type NewDocument } from '../../src/api/store/document-store.js';
import { S3StoreError, createS3Store, type S3DocumentStore } from '../../src/api/store/s3-store.js';
import { startRgw, type RunningRgw } from '../../harness/rgw.js';

// Made by argon2-cffi 21.1 with Notify's parameters for test@example.com (issue 4's test vector).
const NOTIFY_EMAIL_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

let rgw: RunningRgw;
let store: S3DocumentStore;

function storeFor(
  bucket: string,
  overrides: {
    secretAccessKey?: string;
    purgePageSize?: number;
    recentTagsMs?: number;
    partBufferBudget?: number;
  } = {},
) {
  return createS3Store({
    bucket,
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials: {
      accessKeyId: rgw.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? rgw.secretAccessKey,
    },
    ...(overrides.purgePageSize ? { purgePageSize: overrides.purgePageSize } : {}),
    ...(overrides.recentTagsMs !== undefined ? { recentTagsMs: overrides.recentTagsMs } : {}),
    ...(overrides.partBufferBudget !== undefined ? { partBufferBudget: overrides.partBufferBudget } : {}),
  });
}

/** The names of the commands a store sends from now on. */
function recordCommands(target: S3DocumentStore): string[] {
  const sent: string[] = [];
  target.client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: `recordCommands-${randomUUID()}` },
  );
  return sent;
}

function newDocument(overrides: Partial<NewDocument> = {}, metadata: Partial<NewDocument['metadata']> = {}) {
  return {
    serviceId: randomUUID(),
    documentId: randomUUID(),
    key: randomBytes(32),
    content: PDF,
    ...overrides,
    metadata: {
      mimetype: 'application/pdf',
      createdAt: new Date(),
      retentionPeriod: '26 weeks',
      ...metadata,
    },
  } satisfies NewDocument;
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  rgw = await startRgw();
  store = storeFor(`documents-${randomUUID()}`);
  await store.ensureBucket();
}, 240_000);

afterAll(async () => {
  store?.close();
  await rgw?.stop();
}, 60_000);

describe('S3 store with SSE-C on radosgw', () => {
  it('streams a 100 MiB staged upload in SSE-C parts, byte-identical, and a wrong key cannot read it', async () => {
    const requests: Array<{ command: string; ssec: boolean }> = [];
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        requests.push({
          command: context.commandName ?? '',
          ssec: Boolean(headers['x-amz-server-side-encryption-customer-key']),
        });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordStagedRequests' },
    );
    try {
      const doc = newDocument();
      const size = 100 * 1024 * 1024;
      const hash = createHash('sha256');
      const staged = await store.stage({
        serviceId: doc.serviceId,
        documentId: doc.documentId,
        key: doc.key,
        metadataHint: async () => doc.metadata,
      });
      // Generated as it goes (the test holds no copy), hashed as it is written.
      for (let at = 0; at < size; at += 1024 * 1024) {
        const piece = randomBytes(1024 * 1024);
        hash.update(piece);
        await staged.write(piece);
      }
      await staged.commit(doc.metadata);
      const writes = requests.filter((request) => request.command !== 'GetObjectTaggingCommand');
      expect(writes.map((request) => request.command)).toEqual([
        'CreateMultipartUploadCommand',
        ...Array.from({ length: 20 }, () => 'UploadPartCommand'),
        'CompleteMultipartUploadCommand',
        'PutObjectTaggingCommand',
      ]);
      // Every request that carries the object's bytes carries the key (tags are not encrypted, and take none).
      expect(writes.slice(0, -1).every((request) => request.ssec)).toBe(true);
      const read = createHash('sha256');
      for await (const chunk of (await store.open(doc.serviceId, doc.documentId, doc.key)).body) {
        read.update(chunk as Buffer);
      }
      expect(read.digest('hex')).toBe(hash.digest('hex'));
      await expect(store.open(doc.serviceId, doc.documentId, randomBytes(32))).rejects.toBeInstanceOf(
        DocumentNotFoundError,
      );
      await store.delete(doc.serviceId, doc.documentId);
    } finally {
      store.client.middlewareStack.remove('recordStagedRequests');
    }
  }, 240_000);

  it('keeps concurrent staged uploads within the shared part-buffer budget, one part each at least', async () => {
    const budgeted = storeFor(store.bucket, { partBufferBudget: 2 });
    let sending = 0;
    let mostSending = 0;
    budgeted.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'UploadPartCommand') return next(args);
        mostSending = Math.max(mostSending, ++sending);
        try {
          return await next(args);
        } finally {
          sending--;
        }
      },
      { step: 'finalizeRequest', name: 'countPartsInFlight' },
    );
    try {
      const docs = Array.from({ length: 4 }, () => newDocument());
      const hashes = await Promise.all(
        docs.map(async (doc) => {
          const hash = createHash('sha256');
          const staged = await budgeted.stage({ ...doc, metadataHint: async () => doc.metadata });
          for (let at = 0; at < 11; at++) {
            const piece = randomBytes(1024 * 1024);
            hash.update(piece);
            await staged.write(piece);
          }
          await staged.commit(doc.metadata);
          return hash.digest('hex');
        }),
      );
      // Each write sends with its own buffer; two in flight each (the multipart concurrency) would need more.
      expect(mostSending).toBeLessThanOrEqual(4);
      for (const [index, doc] of docs.entries()) {
        const read = await readAll((await budgeted.open(doc.serviceId, doc.documentId, doc.key)).body);
        expect(createHash('sha256').update(read).digest('hex')).toBe(hashes[index]);
        await budgeted.delete(doc.serviceId, doc.documentId);
      }
    } finally {
      budgeted.close();
    }
  }, 120_000);

  it('leaves no object and no open multipart upload when a staged upload stops half-way', async () => {
    const doc = newDocument();
    const staged = await store.stage({ serviceId: doc.serviceId, documentId: doc.documentId, key: doc.key });
    for (let at = 0; at < 12; at++) await staged.write(randomBytes(1024 * 1024));
    const open = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
    expect(open.Uploads?.some((upload) => upload.Key === `${doc.serviceId}/${doc.documentId}`)).toBe(true);
    await staged.abort();
    const after = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
    expect(after.Uploads ?? []).toEqual([]);
    await expect(store.getMetadata(doc.serviceId, doc.documentId, doc.key)).rejects.toBeInstanceOf(
      DocumentNotFoundError,
    );
  }, 120_000);

  it('stores the email hash and a unicode filename the way Notify does, and reads them back', async () => {
    const filename = 'Données – ☃ 😀.pdf';
    const doc = newDocument(
      {},
      { filename, hashedRecipientEmail: NOTIFY_EMAIL_HASH, retentionPeriod: '2 weeks' },
    );
    await store.put(doc);

    const metadata = await store.getMetadata(doc.serviceId, doc.documentId, doc.key);
    expect(metadata.filename).toBe(filename);
    expect(metadata.hashedRecipientEmail).toBe(NOTIFY_EMAIL_HASH);
    expect(metadata.retentionPeriod).toBe('2 weeks');

    // What Notify's API would see on the same object: its own layout, byte for byte.
    const sse = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: doc.key.toString('base64') };
    const objectKey = `${doc.serviceId}/${doc.documentId}`;
    const head = await store.client.send(
      new HeadObjectCommand({ Bucket: store.bucket, Key: objectKey, ...sse }),
    );
    expect(head.ContentType).toBe('application/pdf');
    expect(head.Metadata).toEqual({
      filename: String.raw`Donn\xe9es \u2013 \u2603 \U0001f600.pdf`,
      'hashed-recipient-email': NOTIFY_EMAIL_HASH,
    });
    const tagging = await store.client.send(
      new GetObjectTaggingCommand({ Bucket: store.bucket, Key: objectKey }),
    );
    const tags = Object.fromEntries((tagging.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
    expect(tags['retention-period']).toBe('2 weeks');
    expect(tags['created-at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(await verify(metadata.hashedRecipientEmail as string, 'test@example.com')).toBe(true);
  });

  it('reads an object written exactly the way Notify’s API writes it', async () => {
    const serviceId = randomUUID();
    const documentId = randomUUID();
    const key = randomBytes(32);
    // Notify: boto3 put_object with SSECustomerKey (raw 32 bytes), Metadata with the unicode_escape'd filename,
    // Tagging=urllib.parse.urlencode({...}) — quote_plus, so the space in "4 weeks" is a "+".
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: `${serviceId}/${documentId}`,
        Body: PDF,
        ContentType: 'application/pdf',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key.toString('base64'),
        Metadata: {
          'hashed-recipient-email': NOTIFY_EMAIL_HASH,
          filename: String.raw`Rh\xe9sum\xe9 \u2013 \u65e5\u672c.pdf`,
        },
        Tagging: 'created-at=2025-03-04T05%3A06%3A07%2B00%3A00&retention-period=4+weeks',
      }),
    );

    const metadata = await store.getMetadata(serviceId, documentId, key);
    expect(metadata).toEqual({
      mimetype: 'application/pdf',
      size: PDF.length,
      filename: 'Rhésumé – 日本.pdf',
      hashedRecipientEmail: NOTIFY_EMAIL_HASH,
      createdAt: new Date('2025-03-04T05:06:07Z'),
      retentionPeriod: '4 weeks',
      blocked: false,
    });
    expect(availableUntil(metadata)).toBe('2025-04-01');
    expect(await verify(metadata.hashedRecipientEmail as string, 'test@example.com')).toBe(true);
    const opened = await store.open(serviceId, documentId, key);
    expect(await readAll(opened.body)).toEqual(PDF);
    await expect(store.getMetadata(serviceId, documentId, randomBytes(32))).rejects.toBeInstanceOf(
      DocumentNotFoundError,
    );
  });

  it('reads a Notify object without retention period or filename, created-at falling back to last-modified', async () => {
    const serviceId = randomUUID();
    const documentId = randomUUID();
    const key = randomBytes(32);
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: `${serviceId}/${documentId}`,
        Body: 'a,b\n1,2\n',
        ContentType: 'text/csv',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: key.toString('base64'),
      }),
    );
    const metadata = await store.getMetadata(serviceId, documentId, key);
    expect(metadata.mimetype).toBe('text/csv');
    expect(metadata.size).toBe(8);
    expect(metadata.retentionPeriod).toBe('');
    expect(metadata.filename).toBeUndefined();
    expect(metadata.hashedRecipientEmail).toBeUndefined();
    expect(Math.abs(metadata.createdAt.getTime() - Date.now())).toBeLessThan(120_000);
  });

  it('keeps the content encrypted under the key: no key, a wrong key or a short key find nothing', async () => {
    const doc = newDocument();
    await store.put(doc);
    const { serviceId, documentId } = doc;

    for (const key of [randomBytes(32), randomBytes(16), Buffer.alloc(0)]) {
      await expect(store.getMetadata(serviceId, documentId, key)).rejects.toBeInstanceOf(
        DocumentNotFoundError,
      );
      await expect(store.open(serviceId, documentId, key)).rejects.toBeInstanceOf(DocumentNotFoundError);
    }
    await expect(
      store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: `${serviceId}/${documentId}` })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it('does not serve an object stored without SSE-C, whatever key is given', async () => {
    const serviceId = randomUUID();
    const documentId = randomUUID();
    await store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: `${serviceId}/${documentId}`,
        Body: PDF,
        ContentType: 'application/pdf',
        Tagging: 'created-at=2026-01-01T00%3A00%3A00%2B00%3A00&retention-period=4%20weeks',
      }),
    );
    const key = randomBytes(32);
    await expect(store.getMetadata(serviceId, documentId, key)).rejects.toBeInstanceOf(DocumentNotFoundError);
    await expect(store.open(serviceId, documentId, key)).rejects.toBeInstanceOf(DocumentNotFoundError);
    await expect(store.open(serviceId, documentId, key, { start: 0, end: 3 })).rejects.toBeInstanceOf(
      DocumentNotFoundError,
    );
  });

  it('streams a 2 MiB document in chunks', async () => {
    const content = randomBytes(2 * 1024 * 1024);
    const doc = newDocument({ content });
    await store.put(doc);

    const opened = await store.open(doc.serviceId, doc.documentId, doc.key);
    expect(opened.body).toBeInstanceOf(Readable);
    expect(opened.metadata.size).toBe(content.length);
    const hash = createHash('sha256');
    let chunks = 0;
    let largest = 0;
    for await (const chunk of opened.body) {
      hash.update(chunk as Buffer);
      chunks += 1;
      largest = Math.max(largest, (chunk as Buffer).length);
    }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(chunks).toBeGreaterThan(8);
    expect(largest).toBeLessThan(content.length / 4);
  });

  it('keeps streaming to a reader that pauses longer than the response deadline', async () => {
    const content = randomBytes(2 * 1024 * 1024);
    const doc = newDocument({ content });
    await store.put(doc);
    const impatient = createS3Store({
      bucket: store.bucket,
      endpoint: rgw.endpoint,
      region: rgw.region,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      requestTimeoutMs: 500,
    });
    try {
      const opened = await impatient.open(doc.serviceId, doc.documentId, doc.key);
      const chunks: Buffer[] = [];
      let paused = false;
      for await (const chunk of opened.body) {
        chunks.push(chunk as Buffer);
        if (!paused) {
          paused = true;
          await new Promise((resolve) => setTimeout(resolve, 1_500));
        }
      }
      expect(Buffer.concat(chunks).equals(content)).toBe(true);
    } finally {
      impatient.close();
    }
  });

  it('downloads with one tag read: the tags of the look-up serve the open that follows it, once', async () => {
    const counted = storeFor(store.bucket);
    const sent = recordCommands(counted);
    const doc = newDocument();
    await counted.put(doc);
    sent.length = 0;
    expect((await counted.getMetadata(doc.serviceId, doc.documentId, doc.key)).blocked).toBe(false);
    const first = await counted.open(doc.serviceId, doc.documentId, doc.key);
    expect(await readAll(first.body)).toEqual(PDF);
    expect(first.metadata.retentionPeriod).toBe('26 weeks');
    expect(sent.sort()).toEqual(['GetObjectCommand', 'GetObjectTaggingCommand', 'HeadObjectCommand']);
    sent.length = 0;
    // Used up: an open with no look-up before it reads the tags itself.
    await readAll((await counted.open(doc.serviceId, doc.documentId, doc.key)).body);
    expect(sent.sort()).toEqual(['GetObjectCommand', 'GetObjectTaggingCommand']);
    // A wrong key's failed look-up leaves nothing for an open to take.
    await expect(counted.getMetadata(doc.serviceId, doc.documentId, randomBytes(32))).rejects.toThrow(
      DocumentNotFoundError,
    );
    sent.length = 0;
    await readAll((await counted.open(doc.serviceId, doc.documentId, doc.key)).body);
    expect(sent).toContain('GetObjectTaggingCommand');
    counted.close();
  });

  it('never opens with remembered tags older than a block: through the store at once, directly once they age', async () => {
    const quick = storeFor(store.bucket, { recentTagsMs: 200 });
    const doc = newDocument();
    await quick.put(doc);
    await quick.getMetadata(doc.serviceId, doc.documentId, doc.key);
    await quick.setBlocked(doc.serviceId, doc.documentId, true);
    const blocked = await quick.open(doc.serviceId, doc.documentId, doc.key);
    blocked.body.destroy();
    expect(blocked.metadata.blocked).toBe(true);
    await quick.setBlocked(doc.serviceId, doc.documentId, false);
    await quick.getMetadata(doc.serviceId, doc.documentId, doc.key);
    const Key = `${doc.serviceId}/${doc.documentId}`;
    const current = await quick.client.send(new GetObjectTaggingCommand({ Bucket: quick.bucket, Key }));
    await quick.client.send(
      new PutObjectTaggingCommand({
        Bucket: quick.bucket,
        Key,
        Tagging: { TagSet: [...(current.TagSet ?? []), { Key: 'blocked', Value: 'true' }] },
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 250));
    const aged = await quick.open(doc.serviceId, doc.documentId, doc.key);
    aged.body.destroy();
    expect(aged.metadata.blocked).toBe(true);
    quick.close();
  });

  it('honours an operator setting blocked=yes (any case) directly on the object', async () => {
    const doc = newDocument();
    await store.put(doc);
    const Key = `${doc.serviceId}/${doc.documentId}`;
    const current = await store.client.send(new GetObjectTaggingCommand({ Bucket: store.bucket, Key }));
    for (const value of ['yes', 'YES', 'True']) {
      await store.client.send(
        new PutObjectTaggingCommand({
          Bucket: store.bucket,
          Key,
          Tagging: { TagSet: [...(current.TagSet ?? []), { Key: 'blocked', Value: value }] },
        }),
      );
      expect((await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).blocked).toBe(true);
    }
    await store.client.send(
      new PutObjectTaggingCommand({
        Bucket: store.bucket,
        Key,
        Tagging: { TagSet: [...(current.TagSet ?? []), { Key: 'blocked', Value: 'false' }] },
      }),
    );
    expect((await store.getMetadata(doc.serviceId, doc.documentId, doc.key)).blocked).toBe(false);
  });

  it('reports the storage’s own lifecycle expiry from the Expiration header', async () => {
    const lifecycleStore = storeFor(`lifecycle-${randomUUID()}`);
    try {
      await lifecycleStore.ensureBucket();
      await lifecycleStore.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: lifecycleStore.bucket,
          LifecycleConfiguration: {
            Rules: [
              { ID: 'expire-documents', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 3 } },
            ],
          },
        }),
      );
      const doc = newDocument({}, { retentionPeriod: '78 weeks' });
      const before = Date.now();
      await lifecycleStore.put(doc);

      const metadata = await lifecycleStore.getMetadata(doc.serviceId, doc.documentId, doc.key);
      const expires = metadata.storageExpiresAt as Date;
      expect(expires).toBeInstanceOf(Date);
      // S3 rounds "3 days after creation" up to the next midnight UTC.
      expect(expires.getTime() % 86_400_000).toBe(0);
      expect(expires.getTime()).toBeGreaterThan(before + 3 * 86_400_000 - 86_400_000);
      expect(expires.getTime()).toBeLessThanOrEqual(before + 4 * 86_400_000 + 60_000);
      // The storage expiry (minus Notify's day of margin) wins over 78 weeks of retention.
      const lastDay = new Date(expires.getTime() - 86_400_000).toISOString().slice(0, 10);
      expect(availableUntil(metadata)).toBe(lastDay);

      const opened = await lifecycleStore.open(doc.serviceId, doc.documentId, doc.key);
      opened.body.destroy();
      expect(opened.metadata.storageExpiresAt).toEqual(expires);
    } finally {
      lifecycleStore.close();
    }
  });

  it('purges expired documents across listing pages, by their tags, without their keys', async () => {
    const purgeStore = storeFor(`purge-${randomUUID()}`, { purgePageSize: 3 });
    try {
      await purgeStore.ensureBucket();
      const now = new Date('2026-06-30T12:00:00Z');
      const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
      const expired = [
        newDocument({}, { createdAt: daysAgo(8), retentionPeriod: '1 weeks' }),
        newDocument({}, { createdAt: daysAgo(30), retentionPeriod: '2 weeks' }),
        newDocument({}, { createdAt: daysAgo(400), retentionPeriod: '26 weeks' }),
      ];
      const kept = [
        newDocument({}, { createdAt: daysAgo(7), retentionPeriod: '1 weeks' }), // its last day is today
        newDocument({}, { createdAt: daysAgo(13), retentionPeriod: '2 weeks' }),
        newDocument({}, { createdAt: daysAgo(400), retentionPeriod: '' }), // only the storage lifecycle decides
        newDocument({}, { createdAt: daysAgo(1), retentionPeriod: '78 weeks' }),
      ];
      for (const doc of [...expired, ...kept]) await purgeStore.put(doc);
      // Written by Notify (urlencoded "+" in the retention period), long expired.
      const notifyKey = randomBytes(32);
      const notifyIds = { serviceId: randomUUID(), documentId: randomUUID() };
      await purgeStore.client.send(
        new PutObjectCommand({
          Bucket: purgeStore.bucket,
          Key: `${notifyIds.serviceId}/${notifyIds.documentId}`,
          Body: PDF,
          ContentType: 'application/pdf',
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: notifyKey.toString('base64'),
          Tagging: 'created-at=2025-01-01T00%3A00%3A00%2B00%3A00&retention-period=4+weeks',
        }),
      );

      expect(await purgeStore.purgeExpired(now)).toBe(expired.length + 1);
      for (const doc of expired) {
        await expect(purgeStore.getMetadata(doc.serviceId, doc.documentId, doc.key)).rejects.toBeInstanceOf(
          DocumentNotFoundError,
        );
      }
      await expect(
        purgeStore.getMetadata(notifyIds.serviceId, notifyIds.documentId, notifyKey),
      ).rejects.toBeInstanceOf(DocumentNotFoundError);
      for (const doc of kept) {
        await expect(purgeStore.getMetadata(doc.serviceId, doc.documentId, doc.key)).resolves.toBeDefined();
      }
      expect(await purgeStore.purgeExpired(now)).toBe(0);
    } finally {
      purgeStore.close();
    }
  });

  it('surfaces configuration problems as store errors, not as "not found", and never shows the key', async () => {
    const doc = newDocument();
    await store.put(doc);
    const badCredentials = storeFor(store.bucket, { secretAccessKey: 'not-the-secret' });
    const noBucket = storeFor(`missing-${randomUUID()}`);
    try {
      const error = await badCredentials
        .getMetadata(doc.serviceId, doc.documentId, doc.key)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(S3StoreError);
      expect((error as S3StoreError).status).toBe(403);

      const putError = await noBucket.put(doc).catch((e: unknown) => e);
      expect(putError).toBeInstanceOf(S3StoreError);
      expect((putError as S3StoreError).code).toBe('NoSuchBucket');
      for (const text of [String(putError), JSON.stringify(putError), (putError as Error).stack ?? '']) {
        expect(text).not.toContain(doc.key.toString('base64'));
        expect(text).not.toContain(doc.key.toString('base64url'));
        expect(text).not.toContain(doc.key.toString('hex'));
      }
    } finally {
      badCredentials.close();
      noBucket.close();
    }
  });
});
