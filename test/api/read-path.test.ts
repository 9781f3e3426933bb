// Reads never change storage, and a failed read is logged with its real error.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64url } from '../../src/common/ids.js';
import type { DocumentStore } from '../../src/api/store/document-store.js';
import { SERVICE_ID, startApi } from '../helpers/api-harness.js';
import {
  NOTIFY_HASH,
  startApiWithStore,
  storeDocument,
  type ApiWithStore,
} from '../helpers/stored-documents.js';
import { documentApiPaths } from '../../src/common/routes.js';

describe('an expired document on a read', () => {
  let running: ApiWithStore;

  beforeAll(async () => {
    running = await startApiWithStore();
  });
  afterAll(() => running.close());

  it('answers 410 on every read and deletes nothing; purge does the deleting', async () => {
    const { api, store, storeDir } = running;
    const { documentId, keyText: k } = await storeDocument(store, {
      expired: true,
      hashedRecipientEmail: NOTIFY_HASH,
    });
    const files = async () => (await readdir(join(storeDir, SERVICE_ID))).sort();
    const before = await files();
    expect(before).toEqual([`${documentId}.data`, `${documentId}.meta`].sort());

    const base = `${api.url}${documentApiPaths.download(SERVICE_ID, documentId)}`;
    for (let round = 0; round < 3; round++) {
      const check = await fetch(`${base}/check?key=${k}`);
      expect(check.status).toBe(410);
      expect(await check.json()).toEqual({ error: 'The document is no longer available' });
      expect((await fetch(`${base}.pdf?key=${k}`)).status).toBe(410);
      const authenticate = await fetch(`${base}/authenticate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: k, email_address: 'test@example.com' }),
      });
      expect(authenticate.status).toBe(410);
    }
    expect(await files()).toEqual(before);

    expect(await store.purgeExpired(new Date())).toBe(1);
    expect(await files()).toEqual([]);
    expect((await fetch(`${base}/check?key=${k}`)).status).toBe(404);
  });
});

describe('a 500', () => {
  it('is logged with the error’s real message, code and stack', async () => {
    const failing = new Error('disk on fire') as Error & { code: string };
    failing.code = 'EIO';
    const store: DocumentStore = {
      put: () => Promise.reject(failing),
      stage: () => Promise.reject(failing),
      getMetadata: () => Promise.reject(failing),
      open: () => Promise.reject(failing),
      setBlocked: () => Promise.reject(failing),
      delete: () => Promise.reject(failing),
      purgeExpired: () => Promise.reject(failing),
    };
    const api = await startApi({}, { store });
    try {
      const key = bytesToBase64url(randomBytes(32));
      const response = await fetch(
        `${api.url}${documentApiPaths.check(SERVICE_ID, randomUUID())}?key=${key}`,
      );
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ error: 'Internal server error' });
      const line = api.logs.lines
        .map((text) => JSON.parse(text) as { message?: string; err?: Record<string, unknown> })
        .find((entry) => entry.message === 'request failed');
      expect(line?.err).toMatchObject({ type: 'Error', message: 'disk on fire', code: 'EIO' });
      expect(String(line?.err?.stack)).toContain('read-path.test.ts');
      expect(api.logs.text()).not.toContain(key);
    } finally {
      await api.close();
    }
  });
});
