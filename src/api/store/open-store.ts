import { join } from 'node:path';
import type { StoreConfig } from '../config.js';
import type { DocumentStore } from './document-store.js';
import { LocalDocumentStore } from './local-store.js';
import type { S3StoreOptions } from './s3-store.js';

/** Where the local store keeps documents under DATA_DIR. */
export function localDocumentsRoot(dataDir: string): string {
  return join(dataDir, 'documents');
}

/**
 * The document store the configuration asks for: local encrypted files, or S3 with SSE-C. The S3 store and
 * the AWS SDK are imported only when S3 is configured: they cost a worker on the local store memory and
 * start-up time for nothing.
 */
export async function openStore(config: StoreConfig): Promise<DocumentStore> {
  if (config.kind === 'local') return LocalDocumentStore.open({ root: localDocumentsRoot(config.dataDir) });
  const { createS3Store } = await import('./s3-store.js');
  return createS3Store(s3StoreOptions(config));
}

/** The S3 store's options from the configuration: the bucket, where it is, and the largest streamed document. */
export function s3StoreOptions(config: Extract<StoreConfig, { kind: 's3' }>): S3StoreOptions {
  return {
    bucket: config.bucket,
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    maxObjectBytes: config.maxObjectBytes,
  };
}
