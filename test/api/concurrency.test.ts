import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTH_TOKEN,
  SERVICE_ID,
  local,
  startApi,
  uploadBody,
  type RunningApi,
} from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

let api: RunningApi;
let storeDir: string;
// Enough sockets that all 1,000 uploads really are in flight together.
const dispatcher = new Agent({ connections: 1000, pipelining: 0 });

beforeAll(async () => {
  // Durability (fsync) is what the kill -9 test is about; this one is about isolation under concurrency, so it
  // skips the fsyncs to stay quick on a shared machine.
  storeDir = await mkdtemp(join(tmpdir(), 'dd-concurrency-'));
  api = await startApi({}, { store: new LocalDocumentStore({ root: storeDir, durable: false }) });
});
afterAll(async () => {
  await api.close();
  await dispatcher.close();
  await rm(storeDir, { recursive: true, force: true });
});

describe('concurrency', () => {
  it('1,000 concurrent uploads all come back byte-identical', async () => {
    // Valid PDFs, each different, 0.5–5 KB.
    const contents = Array.from({ length: 1000 }, (_, index) =>
      Buffer.concat([
        pdf(`doc ${index}`),
        Buffer.from(`%${randomBytes(500 + (index % 7) * 700).toString('base64url')}\n`),
      ]),
    );
    const uploads = await Promise.all(
      contents.map(async (content) => {
        const response = await fetch(`${api.url}${documentApiPaths.upload(SERVICE_ID)}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
          body: uploadBody(content),
          // @ts-expect-error undici's dispatcher option on Node's fetch
          dispatcher,
        });
        expect(response.status).toBe(201);
        return ((await response.json()) as { document: { id: string; direct_file_url: string } }).document;
      }),
    );
    expect(new Set(uploads.map((document) => document.id)).size).toBe(1000);
    let next = 0;
    const mismatches: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < uploads.length) {
          const index = next++;
          const response = await fetch(
            local(api, (uploads[index] as { direct_file_url: string }).direct_file_url),
          );
          const body = Buffer.from(await response.arrayBuffer());
          if (response.status !== 200 || !body.equals(contents[index] as Buffer)) mismatches.push(index);
        }
      }),
    );
    expect(mismatches).toEqual([]);
  }, 120_000);
});
