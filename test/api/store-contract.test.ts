// Every document store through the same contract (test/helpers/store-contract.ts): the local encrypted store,
// and the S3 store on a real radosgw. A new store is one more `describeStoreContract` here.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { expect } from 'vitest';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import { createS3Store } from '../../src/api/store/s3-store.js';
import { startRgw, type RunningRgw } from '../../harness/rgw.js';
import { describeStoreContract } from '../helpers/store-contract.js';

describeStoreContract('local encrypted files', {
  multiPartBytes: 3 * 1024 * 1024 + 12_345,
  async open() {
    const root = await mkdtemp(join(tmpdir(), 'dd-contract-'));
    const frozenNames = new Set<string>();
    return {
      store: new LocalDocumentStore({ root }),
      // A writer frozen for good just before its commit point (the metadata's rename), as a killed process
      // leaves it: the data file in place, the metadata still a temporary file.
      async interruptPut(document) {
        let frozen: () => void = () => {};
        const reachedCommit = new Promise<void>((resolve) => (frozen = resolve));
        const writer = new LocalDocumentStore({
          root,
          beforeRename: async (step) => {
            if (step !== 'meta') return;
            for (const name of await readdir(join(root, '.staging'))) frozenNames.add(name);
            frozen();
            await new Promise<void>(() => {});
          },
        });
        void writer.put(document);
        await reachedCommit;
      },
      // The temporary files of this store's own writes (a frozen writer above is still alive, and keeps its own).
      stagedLeftovers: async () =>
        (await readdir(join(root, '.staging')).catch(() => [] as string[])).filter(
          (name) => !frozenNames.has(name),
        ).length,
      sabotageStagedWrites: () => rm(join(root, '.staging'), { recursive: true, force: true }),
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
});

let rgw: RunningRgw;
describeStoreContract('S3 with SSE-C on radosgw', {
  start: async () => {
    rgw = await startRgw();
  },
  stop: async () => {
    await rgw?.stop();
  },
  startTimeoutMs: 240_000,
  multiPartBytes: 12 * 1024 * 1024 + 12_345,
  async open() {
    const store = createS3Store({
      bucket: `contract-${randomUUID()}`,
      endpoint: rgw.endpoint,
      region: rgw.region,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    });
    await store.ensureBucket();
    return {
      store,
      // A PUT cut off half-way through its body (the writer gone): S3 keeps an object whole or not at all.
      async interruptPut(document) {
        const body = new Readable({ read() {} });
        body.push(document.content.subarray(0, document.content.length / 2));
        const sent = store.client.send(
          new PutObjectCommand({
            Bucket: store.bucket,
            Key: `${document.serviceId}/${document.documentId}`,
            Body: body,
            ContentLength: document.content.length,
            ContentType: document.metadata.mimetype,
            SSECustomerAlgorithm: 'AES256',
            SSECustomerKey: document.key.toString('base64'),
          }),
          { abortSignal: AbortSignal.timeout(500) },
        );
        await expect(sent).rejects.toThrow();
        body.destroy();
      },
      stagedLeftovers: async () =>
        (await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }))).Uploads
          ?.length ?? 0,
      // Every open multipart upload aborted behind the store's back: its next part or its completion fails.
      async sabotageStagedWrites() {
        const { Uploads = [] } = await store.client.send(
          new ListMultipartUploadsCommand({ Bucket: store.bucket }),
        );
        for (const upload of Uploads) {
          await store.client.send(
            new AbortMultipartUploadCommand({
              Bucket: store.bucket,
              Key: upload.Key,
              UploadId: upload.UploadId,
            }),
          );
        }
      },
      close: async () => store.close(),
    };
  },
});
