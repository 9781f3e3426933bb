import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToBase64url } from '../../src/common/ids.js';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import { SERVICE_ID, startApi, type RunningApi } from './api-harness.js';
import type { ApiDeps } from '../../src/api/app.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

/** The argon2id hash Notify's API made for test@example.com. */
export const NOTIFY_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';

/** The API on a store the test can also write to directly (documents dated in the past, blocked ones…). */
export interface ApiWithStore {
  api: RunningApi;
  store: LocalDocumentStore;
  storeDir: string;
  close(): Promise<void>;
}

export async function startApiWithStore(
  env: Record<string, string> = {},
  deps: Partial<Omit<ApiDeps, 'logger' | 'store'>> = {},
): Promise<ApiWithStore> {
  const storeDir = await mkdtemp(join(tmpdir(), 'dd-store-'));
  const store = new LocalDocumentStore({ root: storeDir });
  const api = await startApi(env, { ...deps, store });
  return {
    api,
    store,
    storeDir,
    async close() {
      await api.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

export interface StoredDocument {
  documentId: string;
  key: Buffer;
  /** The key as it goes in `?key=`. */
  keyText: string;
  /** The document API's download path for it, without the key. */
  path: string;
}

/** A PDF put straight into the store, 30 days old with a week's retention when `expired`. */
export async function storeDocument(
  store: LocalDocumentStore,
  options: {
    expired?: boolean;
    createdAt?: Date;
    retentionPeriod?: string;
    hashedRecipientEmail?: string;
    blocked?: boolean;
  } = {},
): Promise<StoredDocument> {
  const documentId = randomUUID();
  const key = randomBytes(32);
  const { hashedRecipientEmail } = options;
  await store.put({
    serviceId: SERVICE_ID,
    documentId,
    key,
    content: pdf(),
    metadata: {
      mimetype: 'application/pdf',
      createdAt: options.createdAt ?? (options.expired ? new Date(Date.now() - 30 * 86_400_000) : new Date()),
      retentionPeriod: options.retentionPeriod ?? (options.expired ? '1 week' : '26 weeks'),
      ...(hashedRecipientEmail !== undefined ? { hashedRecipientEmail } : {}),
    },
  });
  if (options.blocked) await store.setBlocked(SERVICE_ID, documentId, true);
  return {
    documentId,
    key,
    keyText: bytesToBase64url(key),
    path: documentApiPaths.download(SERVICE_ID, documentId),
  };
}
