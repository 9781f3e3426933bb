/**
 * The lean reference for the landing page: what the page costs when written by hand, to measure the frontend
 * against. Never served by the product. Plain node:http in N node:cluster workers; per request it makes the
 * frontend's two upstream calls (the service directory's `GET /service/{id}` with a freshly signed HS256
 * admin JWT, the document API's `GET …/check?key=`) through undici Pools with keep-alive, and fills a page
 * captured from the frontend's own landing answer by string concatenation, with a fresh 128-bit CSP nonce in
 * the CSP header and the page, and every header the frontend sent with that answer.
 *
 *   lean-frontend.js WORKERS TEMPLATE.json SERVICE_DIRECTORY_URL DOCUMENT_API_URL
 *
 * TEMPLATE.json is a LeanTemplate (bench/lib/lean-template.ts makes it from a captured answer). It serves
 * only what the benchmark asks of it: the landing page of a document the upstreams know, a 404 otherwise.
 */
import cluster from 'node:cluster';
import { createHmac, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { reportReady } from './child.js';
import type { LeanTemplate } from './lean-template.js';

const [workersArg, templatePath, directoryUrl, documentApiUrl] = process.argv.slice(2);
if (!workersArg || !templatePath || !directoryUrl || !documentApiUrl) {
  throw new Error('usage: lean-frontend WORKERS TEMPLATE.json SERVICE_DIRECTORY_URL DOCUMENT_API_URL');
}
const workers = Number(workersArg);
const ADMIN_CLIENT_ID = 'notify-admin';
const ADMIN_CLIENT_SECRET = 'bench-admin-secret';

// Random bytes drawn 4 KiB at a time, each handed out once.
const randomPool = Buffer.allocUnsafe(4096);
let randomOffset = randomPool.length;
function randomBytes(count: number): Buffer {
  if (randomOffset + count > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += count;
  return randomPool.subarray(randomOffset - count, randomOffset);
}

const JWT_HEADER = Buffer.from('{"typ":"JWT","alg":"HS256"}').toString('base64url');
function adminToken(): string {
  const claims = Buffer.from(`{"iss":"${ADMIN_CLIENT_ID}","iat":${Math.floor(Date.now() / 1000)}}`).toString(
    'base64url',
  );
  const signed = `${JWT_HEADER}.${claims}`;
  return `${signed}.${createHmac('sha256', ADMIN_CLIENT_SECRET).update(signed).digest('base64url')}`;
}

// What Nunjucks' autoescape does.
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
  '\\': '&#92;',
};
const escapeHtml = (text: string) => text.replace(/[&"'<>\\]/g, (c) => HTML_ESCAPES[c] as string);

function uuidFromBase64url(value: string): string | undefined {
  if (value.length !== 22) return undefined;
  const hex = Buffer.from(value, 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const LANDING = /^\/d\/([A-Za-z0-9_-]{22})\/([A-Za-z0-9_-]{22})\?key=([A-Za-z0-9_-]+)$/;

function serve(template: LeanTemplate, onListening: (port: number) => void): void {
  const pool = (url: string) => new Pool(new URL(url).origin, { connections: 128, keepAliveTimeout: 30_000 });
  const directory = pool(directoryUrl as string);
  const documentApi = pool(documentApiUrl as string);
  const documentApiBase = new URL(documentApiUrl as string).pathname.replace(/\/+$/, '');
  const [cspHead, cspMiddle, cspTail] = template.csp;

  async function getJson(upstream: Pool, path: string, headers: Record<string, string>): Promise<unknown> {
    const { statusCode, body } = await upstream.request({ path, method: 'GET', headers });
    const text = await body.text();
    if (statusCode !== 200) throw new Error(`upstream answered ${statusCode} for ${path}`);
    return JSON.parse(text);
  }

  async function landing(res: ServerResponse, service: string, document: string, key: string) {
    const serviceId = uuidFromBase64url(service);
    const documentId = uuidFromBase64url(document);
    if (!serviceId || !documentId) return notFound(res);
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const trace = (): Record<string, string> => ({
      accept: 'application/json',
      'X-B3-TraceId': traceId,
      'X-B3-SpanId': randomBytes(8).toString('hex'),
      'X-B3-ParentSpanId': spanId,
    });
    const [serviceAnswer, checkAnswer] = (await Promise.all([
      getJson(directory, `/service/${serviceId}`, { ...trace(), authorization: `Bearer ${adminToken()}` }),
      getJson(
        documentApi,
        `${documentApiBase}/services/${serviceId}/documents/${documentId}/check?key=${encodeURIComponent(key)}`,
        trace(),
      ),
    ])) as [{ data: { name: string; contact_link: string } }, { document: { confirm_email: boolean } }];
    const slots: Record<string, string> = {
      nonce: randomBytes(16).toString('base64'),
      service: escapeHtml(serviceAnswer.data.name),
      contact: escapeHtml(serviceAnswer.data.contact_link.trim()),
      continue: `/d/${service}/${document}/${checkAnswer.document.confirm_email ? 'confirm-email-address' : 'download'}?key=${key}`,
    };
    let html = '';
    for (const part of template.parts) html += typeof part === 'string' ? part : slots[part.slot];
    const body = Buffer.from(html);
    res.writeHead(200, {
      ...template.headers,
      'content-security-policy': cspHead + slots.nonce + cspMiddle + slots.nonce + cspTail,
      'x-b3-traceid': traceId,
      'x-b3-spanid': spanId,
      'content-length': body.length,
    });
    res.end(body);
  }

  function notFound(res: ServerResponse): void {
    res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 });
    res.end('not found');
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const match = req.method === 'GET' ? LANDING.exec(req.url ?? '') : null;
    if (!match) return notFound(res);
    landing(res, match[1] as string, match[2] as string, match[3] as string).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 90_000;
  server.listen(0, '127.0.0.1', () => onListening((server.address() as AddressInfo).port));
}

if (cluster.isPrimary && workers > 1) {
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) {
      reportReady(address.port, async () => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      });
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as LeanTemplate;
  serve(template, (port) => {
    if (workers <= 1) reportReady(port, async () => undefined);
  });
}
