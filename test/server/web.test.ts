// The frontend's production entry (src/bin/web.ts) under the real primary + workers, with local upstreams.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_PATH, documentJson, KEY, LANDING_PATH, SERVICE_JSON } from '../helpers/frontend-harness.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { get, type RunningServer, sleep, startedWorkers, startServer } from './helpers.js';

const webEntry = fileURLToPath(new URL('../../src/bin/web.ts', import.meta.url));

let running: RunningServer | undefined;
const directory = new RecordingServer();
const documentApi = new RecordingServer();

afterEach(async () => {
  await running?.stop();
  running = undefined;
  await Promise.all([directory.stop(), documentApi.stop()]);
});

async function startWeb(env: Record<string, string>, entrypoint?: string): Promise<RunningServer> {
  const [directoryUrl, documentApiUrl] = await Promise.all([directory.start(), documentApi.start()]);
  directory.handler = () => ({ status: 200, json: SERVICE_JSON });
  documentApi.handler = () => ({ status: 200, json: documentJson({ available_until: '2099-12-31' }) });
  return startServer(
    {
      NOTIFY_ENVIRONMENT: 'production',
      API_HOST_NAME: directoryUrl,
      ADMIN_CLIENT_SECRET: 'web-test-admin-secret',
      DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://download.example.gov.uk',
      DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: documentApiUrl,
      SECRET_KEY: 'web-test-secret-key',
      ACCESSIBILITY_OPERATOR_NAME: 'Document Download benchmarks',
      ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
      ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
      ...env,
    },
    webEntry,
    { entrypoint },
  );
}

describe('web entry (frontend under the server runtime)', { timeout: 120_000 }, () => {
  it('serves the landing page, its CSS and status, and counts them on /metrics', async () => {
    running = await startWeb({});
    expect(JSON.parse((await get(running.port, '/_status')).body)).toEqual({ status: 'ok' });
    const landing = await get(running.port, `${LANDING_PATH}?key=${KEY}`);
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('You have a file to download');
    const css = landing.body.match(/href="(\/assets\/application-[^"]+\.css)"/)?.[1];
    expect(css).toBeDefined();
    const stylesheet = await get(running.port, css!);
    expect(stylesheet.status).toBe(200);
    expect(stylesheet.headers['content-type']).toMatch(/^text\/css/);

    const metrics = (await get(running.metricsPort, '/metrics')).body;
    expect(metrics).toMatch(
      /^http_requests_total\{method="GET",route="\/d\/:service\/:document",status="200"\} 1$/m,
    );
    expect(metrics).toMatch(
      /upstream_request_duration_seconds_count\{upstream="document-api",status="200"\} 1/,
    );
    expect(metrics).not.toContain(KEY);
    // The key never reaches a log line either.
    expect(JSON.stringify(running.logs)).not.toContain(KEY);
  });

  it('runs the built bundle under entrypoint.sh web, its workers with the heap flags and one V8 background thread', async () => {
    running = await startWeb({}, 'web');
    const landing = await get(running.port, `${LANDING_PATH}?key=${KEY}`);
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('You have a file to download');
    // Setting a cookie goes through @fastify/cookie's dynamic import of `cookie`, which the bundle once broke.
    documentApi.handler = () => ({
      status: 200,
      json: documentJson({ available_until: '2099-12-31', confirm_email: true }),
    });
    const confirm = await get(running.port, `${CONFIRM_PATH}?key=${KEY}`);
    expect(confirm.status).toBe(200);
    expect(String(confirm.headers['set-cookie'])).toMatch(/^_csrf=/);
    const workers = startedWorkers(running);
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(commandLine).toEqual(
        expect.arrayContaining([
          '--max-semi-space-size=4',
          '--heap-growing-percent=50',
          '--v8-pool-size=1',
          '--no-maglev',
        ]),
      );
      expect(commandLine.some((arg) => arg.endsWith('dist/bundle/web.js'))).toBe(true);
    }
  });

  it('takes NODE_HEAP_FLAGS in place of the default heap flags, and none when it is empty', async () => {
    running = await startWeb({ NODE_HEAP_FLAGS: '' }, 'web');
    expect((await get(running.port, '/_status')).status).toBe(200);
    for (const pid of startedWorkers(running)) {
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('--max-semi-space-size');
    }
  });

  it('answers the 504 page at HTTP_SERVE_TIMEOUT_SECONDS when the document API hangs, and drops the call', async () => {
    running = await startWeb({ HTTP_SERVE_TIMEOUT_SECONDS: '1' });
    documentApi.handler = () => 'hang';
    const started = Date.now();
    const answer = await get(running.port, `${LANDING_PATH}?key=${KEY}`);
    const took = Date.now() - started;
    expect(answer.status).toBe(504);
    expect(answer.body).toContain('Sorry, there’s a problem with the service');
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3000);
    await sleep(300);
    expect(documentApi.hangingCount).toBe(0); // the upstream call was aborted, not left open
  });
});
