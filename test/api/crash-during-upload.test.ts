// kill -9 of the API (the built server, as production runs it) in the middle of a large streamed upload, then a
// restart on the same data folder: no document, and no temporary file left behind.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdf } from '../../harness/samples.js';
import { AUTH_TOKEN, SERVICE_ID, uploadBody } from '../helpers/api-harness.js';
import { type RunningServer, startServer } from '../server/helpers.js';
import { documentApiPaths } from '../../src/common/routes.js';
import { filesUnder, sendGenerated } from './multipart-client.js';

const MIB = 1024 * 1024;
const builtEntry = fileURLToPath(new URL('../../dist/src/bin/api.js', import.meta.url));
let dataDir = '';
const servers: RunningServer[] = [];

async function startBuiltApi(): Promise<RunningServer> {
  const server = await startServer(
    {
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: AUTH_TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DATA_DIR: dataDir,
      FRONTEND_HOSTNAME: 'frontend.test',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
      WEB_CONCURRENCY: '1',
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
        partial = await filesUnder(dataDir);
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
    const left = await filesUnder(dataDir);
    expect(left.filter((file) => file.includes('/documents/'))).toEqual(
      expect.arrayContaining([expect.stringContaining(document.id)]),
    );
    expect(left.filter((file) => file.includes('/documents/') && !file.includes(document.id))).toEqual([]);
  });
});
