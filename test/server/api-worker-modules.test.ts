// What a document API worker loads, on the built code as production runs it (`entrypoint.sh api`): every
// process records each module it loads (fixtures/record-modules.mjs, preloaded through NODE_OPTIONS, which
// cluster workers inherit). With the local store a worker loads neither the frontend, nor the antivirus app,
// nor the AWS SDK; with S3 configured it loads the SDK (which shows the recording sees it).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfOfSize } from '../../harness/samples.js';
import { type RunningServer, startServer, startedWorkers } from './helpers.js';

const builtEntry = fileURLToPath(new URL('../../dist/src/bin/api.js', import.meta.url));
const recorder = fileURLToPath(new URL('./fixtures/record-modules.mjs', import.meta.url));
const TOKEN = 'modules-test-token';
const SERVICE_ID = '00000000-1111-2222-3333-444444444444';

/** What only the frontend, the antivirus app or the S3 store need. */
const NOT_FOR_A_LOCAL_WORKER = [
  /\/src\/frontend\//,
  /\/src\/antivirus\//,
  /\/src\/system\.js$/,
  /\/src\/api\/store\/s3-store\.js$/,
  /\/node_modules\/@aws-sdk\//,
  /\/node_modules\/nunjucks\//,
  /\/node_modules\/govuk-frontend\//,
];

let tempDirs: string[] = [];

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Starts `entrypoint.sh api` with the recorder; returns the server and a reader of one process's modules. */
async function recordedApi(env: Record<string, string>) {
  const recordDir = await tempDir('dd-modules-');
  const server = await startServer(
    {
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DATA_DIR: await tempDir('dd-modules-data-'),
      FRONTEND_HOSTNAME: 'frontend.test',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
      RECORD_MODULES_DIR: recordDir,
      NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${recorder}`].filter(Boolean).join(' '),
      ...env,
    },
    undefined,
    { entrypoint: 'api' },
  );
  const modulesOf = async (pid: number) =>
    new Set((await readFile(join(recordDir, `${pid}.txt`), 'utf8')).split('\n').filter(Boolean));
  return { server, modulesOf };
}

const unwanted = (modules: Set<string>) =>
  [...modules].filter((url) => NOT_FOR_A_LOCAL_WORKER.some((pattern) => pattern.test(url)));

beforeAll(() => {
  if (!existsSync(builtEntry)) throw new Error(`${builtEntry} is missing: run "npm run build" first`);
});

afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs = [];
});

describe('modules an API worker loads', () => {
  let server: RunningServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('with the local store: no frontend, no antivirus app, no AWS SDK, even after uploads and downloads', async () => {
    const api = await recordedApi({ DOCUMENT_STORE: 'local', WEB_CONCURRENCY: '2' });
    server = api.server;
    const base = `http://127.0.0.1:${server.port}`;
    // Exercise the routes (and whatever they import lazily) on both workers: the kernel spreads connections.
    for (let round = 0; round < 6; round += 1) {
      const upload = await fetch(`${base}/services/${SERVICE_ID}/documents`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          'Content-Type': 'application/json',
          Connection: 'close',
        },
        // Half with a confirmation email (argon2 is loaded lazily), half downloaded directly.
        body: JSON.stringify({
          document: pdfOfSize(2048).toString('base64'),
          ...(round % 2 === 0 ? { confirmation_email: 'test@example.com' } : {}),
        }),
      });
      expect(upload.status).toBe(201);
      const { document } = (await upload.json()) as { document: { id: string; direct_file_url: string } };
      const key = new URL(document.direct_file_url).searchParams.get('key');
      const check = await fetch(`${base}/services/${SERVICE_ID}/documents/${document.id}/check?key=${key}`, {
        headers: { Connection: 'close' },
      });
      expect(check.status).toBe(200);
      await check.arrayBuffer();
      if (round % 2 === 1) {
        const download = await fetch(
          `${base}/services/${SERVICE_ID}/documents/${document.id}.pdf?key=${key}`,
          {
            headers: { Connection: 'close' },
          },
        );
        expect(download.status).toBe(200);
        await download.arrayBuffer();
      }
    }
    const workers = startedWorkers(server);
    await server.stop();
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const modules = await api.modulesOf(pid);
      // The recording works: the API itself and the local store are in it.
      expect([...modules].some((url) => url.endsWith('/dist/src/api/app.js'))).toBe(true);
      expect([...modules].some((url) => url.endsWith('/dist/src/api/store/local-store.js'))).toBe(true);
      expect(unwanted(modules)).toEqual([]);
    }
  }, 120_000);

  it('with S3 configured: the S3 store and the AWS SDK, still no frontend nor antivirus app', async () => {
    const api = await recordedApi({
      DOCUMENT_STORE: 's3',
      DOCUMENTS_BUCKET: 'no-bucket-needed',
      // Nothing is sent to S3 here: the store is only built.
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'unused',
      AWS_SECRET_ACCESS_KEY: 'unused',
      WEB_CONCURRENCY: '1',
    });
    server = api.server;
    const pid = server.child.pid!;
    await server.stop();
    const loaded = unwanted(await api.modulesOf(pid));
    expect(loaded.some((url) => url.endsWith('/dist/src/api/store/s3-store.js'))).toBe(true);
    expect(loaded.some((url) => url.includes('/node_modules/@aws-sdk/client-s3/'))).toBe(true);
    expect(loaded.filter((url) => /\/src\/(frontend|antivirus)\/|\/src\/system\.js$/.test(url))).toEqual([]);
  }, 120_000);
});
