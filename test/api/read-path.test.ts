// Reads never change storage, and a failed read is logged with its real error.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
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

describe('a large download', () => {
  let running: ApiWithStore;
  const content = randomBytes(3 * 1024 * 1024 + 777);

  beforeAll(async () => {
    running = await startApiWithStore();
  });
  afterAll(() => running.close());

  async function put(): Promise<{ documentId: string; url: string }> {
    const documentId = randomUUID();
    const key = randomBytes(32);
    await running.store.put({
      serviceId: SERVICE_ID,
      documentId,
      key,
      content,
      metadata: { mimetype: 'application/pdf', createdAt: new Date(), retentionPeriod: '1 weeks' },
    });
    const url = `${running.api.url}${documentApiPaths.download(SERVICE_ID, documentId)}?key=${bytesToBase64url(key)}`;
    return { documentId, url };
  }

  it('arrives whole, and HEAD answers the same headers without a body', async () => {
    const { url } = await put();
    const response = await fetch(url);
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    // The connection that carried the HEAD still serves.
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(content)).toBe(true);
  });

  it('is cut off when a chunk fails its check after the headers went out, and the API serves on', async () => {
    const { documentId, url } = await put();
    const path = join(running.storeDir, SERVICE_ID, `${documentId}.data`);
    const data = await readFile(path);
    // A byte of the ninth 256 KiB chunk: well past the first read, so the headers and some of the body are out.
    const at = 84 + 8 * (256 * 1024 + 16) + 5;
    data.writeUInt8(data.readUInt8(at) ^ 1, at);
    await writeFile(path, data);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(content.length));
    await expect(response.arrayBuffer()).rejects.toThrow();
    const again = await put();
    // On a connection of its own, closed after the answer: closing the API then waits for no keep-alive.
    const whole = await new Promise<Buffer>((resolve, reject) => {
      httpGet(again.url, { agent: false, headers: { Connection: 'close' } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve(Buffer.concat(chunks)));
        answer.on('error', reject);
      }).on('error', reject);
    });
    expect(whole.equals(content)).toBe(true);
  });
});
