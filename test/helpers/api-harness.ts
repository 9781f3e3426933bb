import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, type ApiDeps } from '../../src/api/app.js';
import { loadApiConfig, type ApiConfig } from '../../src/api/config.js';
import { createLogger } from '../../src/common/logging.js';
import { LogCapture } from './log-capture.js';
import { documentApiPaths } from '../../src/common/routes.js';

export const AUTH_TOKEN = 'test-auth-token-abcdefghijklmnop';
export const SERVICE_ID = '00000000-1111-2222-3333-444444444444';

export interface RunningApi {
  url: string;
  app: FastifyInstance;
  config: ApiConfig;
  logs: LogCapture;
  dataDir: string;
  close(): Promise<void>;
}

/** The API on a real port (127.0.0.1, random), with a fresh data folder and captured logs. */
export async function startApi(
  env: Record<string, string> = {},
  deps: Partial<Omit<ApiDeps, 'logger'>> = {},
): Promise<RunningApi> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dd-api-'));
  const config = loadApiConfig({
    NOTIFY_ENVIRONMENT: 'test',
    AUTH_TOKENS: `other-token:${AUTH_TOKEN}`,
    SECRET_KEY: 'test-secret-key-0123456789',
    FRONTEND_HOSTNAME: 'frontend.test',
    DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
    HTTP_SCHEME: 'https',
    ANTIVIRUS_ENABLED: 'false',
    DATA_DIR: dataDir,
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ app: 'document-api-test', level: 'debug', destination: logs });
  const app = await buildApi(config, { logger, ...deps });
  // A deep accept queue: the concurrency test opens 1,000 connections at once.
  await app.listen({ port: 0, host: '127.0.0.1', backlog: 4096 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    logs,
    dataDir,
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RecordedScan {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local antivirus service with Notify's contract; files containing "X5O!P%@AP" (EICAR) are viruses. */
export async function startAntivirusStub(): Promise<{
  url: string;
  requests: RecordedScan[];
  mode: { down: boolean; hang: boolean };
  close(): Promise<void>;
}> {
  const requests: RecordedScan[] = [];
  const mode = { down: false, hang: false };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ headers: request.headers, body });
      if (mode.hang) return; // never answers (the socket closes when the stub does)
      if (mode.down) {
        response.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      if (request.url !== '/scan' || request.headers.authorization !== 'Bearer antivirus-secret') {
        response.writeHead(401).end();
        return;
      }
      const ok = !body.includes('X5O!P%@AP');
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mode,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function uploadBody(content: Buffer, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ document: content.toString('base64'), ...extra });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in tests
export type UploadAnswer = any;

export async function upload(
  api: RunningApi,
  content: Buffer,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: UploadAnswer }> {
  const response = await fetch(`${api.url}${documentApiPaths.upload(SERVICE_ID)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
    body: uploadBody(content, extra),
  });
  return { status: response.status, body: await response.json() };
}

/** Path and query of a URL the API returned (its host is the public name, not where the test listens). */
export function local(api: RunningApi, publicUrl: string): string {
  const url = new URL(publicUrl);
  return `${api.url}${url.pathname}${url.search}`;
}
