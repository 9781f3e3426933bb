// Both production entries (src/bin/web.ts, src/bin/api.ts) under the real primary + workers, on real ports:
// clients that drip their headers or body are cut off in time, and /metrics lives on its own port only.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_PATH, documentJson, KEY, SERVICE_JSON } from '../helpers/frontend-harness.js';
import { rawExchange } from '../helpers/raw-http.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { get, type RunningServer, startServer } from './helpers.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';

const webEntry = fileURLToPath(new URL('../../src/bin/web.ts', import.meta.url));
const apiEntry = fileURLToPath(new URL('../../src/bin/api.ts', import.meta.url));
const API_TOKEN = 'slow-client-test-token-0123456789';
const SERVICE_ID = '00000000-1111-2222-3333-444444444444';

// Small limits, so the test need not wait the defaults (15 s for headers, 30 s for a request).
const LIMITS = { HTTP_HEADERS_TIMEOUT_SECONDS: '2', HTTP_SERVE_TIMEOUT_SECONDS: '3', KEEPALIVE_SECONDS: '6' };
const HEADERS_MS = 2000;
const DEADLINE_MS = 3000;
/** Room for a loaded machine: Node checks its timers every second, and the test's own clock. */
const SLACK_MS = 2500;

const directory = new RecordingServer();
const documentApi = new RecordingServer();
let web: RunningServer;
let api: RunningServer;
let dataDir = '';

beforeAll(async () => {
  const [directoryUrl, documentApiUrl] = await Promise.all([directory.start(), documentApi.start()]);
  directory.handler = () => ({ status: 200, json: SERVICE_JSON });
  documentApi.handler = () => ({ status: 200, json: documentJson({ available_until: '2099-12-31' }) });
  dataDir = await mkdtemp(join(tmpdir(), 'dd-slow-'));
  [web, api] = await Promise.all([
    startServer(
      {
        NOTIFY_ENVIRONMENT: 'production',
        API_HOST_NAME: directoryUrl,
        ADMIN_CLIENT_SECRET: 'slow-test-admin-secret',
        DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://download.example.gov.uk',
        DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: documentApiUrl,
        SECRET_KEY: 'slow-test-secret-key',
        ACCESSIBILITY_OPERATOR_NAME: 'Document Download benchmarks',
        ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
        ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
        WEB_CONCURRENCY: '1',
        ...LIMITS,
      },
      webEntry,
    ),
    startServer(
      {
        NOTIFY_ENVIRONMENT: 'test',
        AUTH_TOKENS: API_TOKEN,
        SECRET_KEY: 'slow-test-secret-key-0123456789',
        FRONTEND_HOSTNAME: 'frontend.test',
        DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
        ANTIVIRUS_ENABLED: 'false',
        DATA_DIR: dataDir,
        WEB_CONCURRENCY: '1',
        ...LIMITS,
      },
      apiEntry,
    ),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([web?.stop(), api?.stop()]);
  await Promise.all([directory.stop(), documentApi.stop()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** One byte every 300 ms, far longer than any limit: only the server can end this. */
const drip = (text: string) => [...text];
const DRIP = { gapMs: 300, timeoutMs: 30_000 };

const apps = () => [
  { name: 'frontend', server: web, html: true, formPath: `${CONFIRM_PATH}?key=${KEY}` },
  { name: 'api', server: api, html: false, formPath: documentApiPaths.upload(SERVICE_ID) },
];

describe.each(['frontend', 'api'])('%s under the server runtime', { timeout: 60_000 }, (name) => {
  const app = () => apps().find((a) => a.name === name)!;

  it('cuts off a client that drips its headers at the header timeout, with a 408', async () => {
    const exchange = await rawExchange(
      app().server.port,
      drip(`GET /_status HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(200)}\r\n\r\n`),
      DRIP,
    );
    expect(exchange.closed).toBe(true);
    expect(exchange.heldMs).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(exchange.heldMs).toBeLessThan(HEADERS_MS + SLACK_MS);
    expect(exchange.responses.map((r) => r.status)).toEqual([408]);
    expect(exchange.responses[0]!.headers['content-type']).toMatch(
      app().html ? /^text\/html/ : /^application\/json/,
    );
  });

  it('answers a client that drips its body 504 at the request deadline, and closes its connection', async () => {
    const headers = app().html
      ? 'Content-Type: application/x-www-form-urlencoded\r\n'
      : `Content-Type: application/json\r\nAuthorization: Bearer ${API_TOKEN}\r\n`;
    const body = 'x'.repeat(500);
    const head = `POST ${app().formPath} HTTP/1.1\r\nHost: localhost\r\n${headers}Content-Length: ${body.length}\r\n\r\n`;
    const exchange = await rawExchange(app().server.port, [head, ...drip(body)], DRIP);
    expect(exchange.responses.map((r) => r.status)).toEqual([504]);
    expect(exchange.responses[0]!.headers.connection).toBe('close');
    expect(exchange.closed).toBe(true);
    expect(exchange.heldMs).toBeGreaterThanOrEqual(DEADLINE_MS - 100);
    expect(exchange.heldMs).toBeLessThan(DEADLINE_MS + SLACK_MS);
  });

  it('keeps an idle keep-alive connection for the keep-alive timeout, not the header timeout', async () => {
    const exchange = await rawExchange(
      app().server.port,
      [`GET /_status HTTP/1.1\r\nHost: localhost\r\n\r\n`],
      {
        timeoutMs: 30_000,
      },
    );
    expect(exchange.responses.map((r) => r.status)).toEqual([200]);
    expect(exchange.closed).toBe(true);
    expect(exchange.heldMs).toBeGreaterThanOrEqual(5500);
    expect(exchange.heldMs).toBeLessThan(6000 + SLACK_MS);
  });

  it('serves /metrics on the metrics port only', async () => {
    const status = app().html ? '/_status' : documentApiRoutes.servicesStatus;
    expect((await get(app().server.port, status)).status).toBe(200);
    const publicMetrics = await get(app().server.port, '/metrics');
    expect(publicMetrics.status).toBe(404);
    expect(publicMetrics.body).not.toContain('http_requests_total');

    const metrics = await get(app().server.metricsPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.body).toMatch(
      /^http_requests_total\{method="GET",route="[^"]*_status",status="200"\} \d+$/m,
    );
    // WEB_CONCURRENCY=1 serves as one process (no primary, so no worker_restarts_total): its own registry is
    // on the metrics port just the same. The primary's summed metrics are checked in runtime.test.ts.
    expect((await get(app().server.metricsPort, '/')).status).toBe(404);
    const listening = app().server.logs.find((line) => line.event === 'metrics_listening');
    expect(listening).toMatchObject({ host: '127.0.0.1', port: app().server.metricsPort });
  });
});
