// Streamed uploads under the built server, as production runs it: a slow but steady upload outlasts the server's
// time to receive a request; kill -9 in the middle of a large upload, then a restart on the same data folder,
// leaves no document and no temporary file.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdf } from '../../harness/samples.js';
import { AUTH_TOKEN, SERVICE_ID, uploadBody } from '../helpers/api-harness.js';
import { type RunningServer, startServer } from '../server/helpers.js';
import { documentApiPaths } from '../../src/common/routes.js';
import { filesUnder, sendGenerated, sendMultipart } from './multipart-client.js';

const MIB = 1024 * 1024;
const builtEntry = fileURLToPath(new URL('../../dist/src/bin/api.js', import.meta.url));
let dataDir = '';
const servers: RunningServer[] = [];

async function startBuiltApi(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startServer(
    {
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: AUTH_TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DATA_DIR: join(dataDir, 'crash'),
      FRONTEND_HOSTNAME: 'frontend.test',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
      WEB_CONCURRENCY: '1',
      ...env,
    },
    undefined,
    { entrypoint: 'api', waitForWorkers: false },
  );
  servers.push(server);
  await server.waitForLog(
    (line) => line.event === 'worker_started' || line.event === 'server_started',
    60_000,
  );
  return server;
}

beforeAll(async () => {
  if (!existsSync(builtEntry)) throw new Error(`${builtEntry} is missing: run "npm run build" first`);
  dataDir = await mkdtemp(join(tmpdir(), 'dd-crash-'));
});
afterAll(async () => {
  for (const server of servers) await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a slow but steady streamed upload under the server runtime', () => {
  it('is not cut off by the time to receive a whole request (here 2 s)', { timeout: 120_000 }, async () => {
    const server = await startBuiltApi({
      HTTP_SERVE_TIMEOUT_SECONDS: '1',
      HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      DATA_DIR: join(dataDir, 'slow'),
    });
    const api = { url: `http://127.0.0.1:${server.port}` } as Parameters<typeof sendMultipart>[0];
    const content = pdf('x'.repeat(100_000));
    const pieces = Array.from({ length: 10 }, (_, i) => content.subarray(i * 10_001, (i + 1) * 10_001));
    const answer = await sendMultipart(api, [{ file: pieces }], { gapMs: 450 });
    expect(answer.ms).toBeGreaterThan(4000);
    expect(answer.status).toBe(201);
    await server.stop();
  });
});

describe('a crash during a streamed upload', () => {
  it('leaves no document and, after a restart, no temporary file', { timeout: 120_000 }, async () => {
    const first = await startBuiltApi();
    const api = { url: `http://127.0.0.1:${first.port}` } as Parameters<typeof sendGenerated>[0];
    let partial: string[] = [];
    const answer = await sendGenerated(api, {
      size: 60 * MIB,
      async beforePiece(offset) {
        if (offset !== 20 * MIB) return;
        // Give the store a moment to write what it has, then see the write in progress and kill the server.
        await new Promise((resolve) => setTimeout(resolve, 300));
        partial = await filesUnder(join(dataDir, 'crash'));
        first.child.kill('SIGKILL');
        await first.exited;
      },
    }).catch(() => ({ status: 0, body: undefined }));
    expect(answer.status).toBe(0);
    // The write was under way: something was on disk to clean up.
    expect(partial.some((file) => file.includes('.staging'))).toBe(true);

    const second = await startBuiltApi();
    // A new upload goes through the store's clean-up of writers that are gone.
    const response = await fetch(`http://127.0.0.1:${second.port}${documentApiPaths.upload(SERVICE_ID)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
      body: uploadBody(pdf('after')),
    });
    expect(response.status).toBe(201);
    const { document } = (await response.json()) as { document: { id: string } };
    const left = await filesUnder(join(dataDir, 'crash'));
    expect(left.filter((file) => file.includes('/documents/'))).toEqual(
      expect.arrayContaining([expect.stringContaining(document.id)]),
    );
    expect(
      left.filter((file) => file.includes('/documents/') && !file.includes(document.id)),
      (await Promise.all(left.map(async (f) => `${f} ${(await stat(f)).size}`))).join(' '),
    ).toEqual([]);
  });
});
