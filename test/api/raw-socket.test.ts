// What Node's HTTP layer would answer by itself (parser errors, no Host, Expect, CONNECT, half-closed clients,
// pipelining), on a real port over raw sockets: every answer of the API is JSON {"error": ...}.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RawResponse, rawExchange } from '../helpers/raw-http.js';
import {
  AUTH_TOKEN,
  type RunningApi,
  SERVICE_ID,
  startApi,
  upload,
  uploadBody,
} from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';

const EMAIL = 'raw.socket@example.com';
let api: RunningApi;
let port = 0;
/** Path and query of an uploaded document's direct URL, and its key. */
let download = '';
let key = '';
let documentPath = '';
/** A document without email confirmation: its download streams the file. */
let openDownload = '';

beforeAll(async () => {
  api = await startApi();
  port = Number(new URL(api.url).port);
  const answer = await upload(api, pdf('raw'), { confirmation_email: EMAIL });
  expect(answer.status).toBe(201);
  const direct = new URL(answer.body.document.direct_file_url as string);
  download = `${direct.pathname}${direct.search}`;
  key = direct.searchParams.get('key')!;
  documentPath = direct.pathname.replace(/\.[a-z]+$/, '');
  const open = await upload(api, pdf('open'));
  const openUrl = new URL(open.body.document.direct_file_url as string);
  openDownload = `${openUrl.pathname}${openUrl.search}`;
});
afterAll(() => api.close());

function expectJsonError(response: RawResponse | undefined, status: number, message?: RegExp): void {
  expect(response, 'an answer').toBeDefined();
  expect(response!.status).toBe(status);
  expect(response!.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(response!.body) as { error?: unknown };
  expect(typeof body.error).toBe('string');
  if (message) expect(body.error).toMatch(message);
}

function request(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries({ Host: 'localhost', ...headers }).map(
    ([name, value]) => `${name}: ${value}\r\n`,
  );
  const length = body ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '';
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}${length}\r\n${body}`;
}

describe('requests the HTTP parser rejects', () => {
  it.each([
    ['a malformed request line', 'GET /services x y HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['a CR in the path', 'GET /services/\rx HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    [
      'Transfer-Encoding with Content-Length',
      'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s gets a JSON error and the connection closes', async (_name, raw, status) => {
    const exchange = await rawExchange(port, [raw]);
    expect(exchange.responses).toHaveLength(1);
    expectJsonError(exchange.responses[0], status);
    expect(exchange.closed).toBe(true);
  });
});

describe('what Node would answer bare', () => {
  it('no Host header (HTTP/1.1) gets a JSON 400', async () => {
    const exchange = await rawExchange(port, [`GET ${download} HTTP/1.1\r\n\r\n`]);
    expectJsonError(exchange.responses[0], 400, /Host/);
    expect(exchange.closed).toBe(true);
  });

  it('an Expect other than 100-continue gets a JSON 417; 100-continue still works', async () => {
    const exchange = await rawExchange(port, [request('GET', download, { Expect: 'teapot' })]);
    expectJsonError(exchange.responses[0], 417, /Expect/);
    expect(exchange.closed).toBe(true);

    const continued = await rawExchange(port, [
      request('GET', documentApiRoutes.servicesStatus, { Expect: '100-continue', Connection: 'close' }),
    ]);
    expect(continued.responses.map((r) => r.status)).toEqual([100, 200]);
  });

  it('CONNECT gets a JSON 405 with Allow, and the connection closes', async () => {
    const exchange = await rawExchange(port, [
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    ]);
    expectJsonError(exchange.responses[0], 405, /Method not allowed/);
    expect(exchange.responses[0]!.headers.allow).toBe('GET, HEAD, POST');
    expect(exchange.closed).toBe(true);
  });
});

describe('a client that half-closes after sending its request', () => {
  const halfClosed = (raw: string) => rawExchange(port, [raw], { halfClose: true });

  it('gets the file of a download', async () => {
    const exchange = await halfClosed(request('GET', openDownload, { Connection: 'close' }));
    expect(exchange.responses.map((r) => r.status)).toEqual([200]);
    expect(exchange.responses[0]!.body).toMatch(/^%PDF-1\.4/);
    expect(exchange.closed).toBe(true);
  });

  it('gets the redirect of a download that needs the email confirmed', async () => {
    const exchange = await halfClosed(request('GET', download, { Connection: 'close' }));
    expect(exchange.responses.map((r) => r.status)).toEqual([302]);
  });

  it('gets the answer of an authenticate (argon2)', async () => {
    const body = JSON.stringify({ key, email_address: EMAIL });
    const exchange = await halfClosed(
      request(
        'POST',
        `${documentPath}/authenticate`,
        { 'Content-Type': 'application/json', Connection: 'close' },
        body,
      ),
    );
    expect(exchange.responses.map((r) => r.status)).toEqual([200]);
    expect(JSON.parse(exchange.responses[0]!.body)).toHaveProperty('signed_data');
  });

  it('gets the answer of an upload', async () => {
    const exchange = await halfClosed(
      request(
        'POST',
        documentApiPaths.upload(SERVICE_ID),
        { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json', Connection: 'close' },
        uploadBody(pdf('half-closed')),
      ),
    );
    expect(exchange.responses.map((r) => r.status)).toEqual([201]);
    expect(JSON.parse(exchange.responses[0]!.body)).toMatchObject({ status: 'ok' });
  });
});

describe('pipelining', () => {
  const three = (last: Record<string, string>) =>
    request('GET', documentApiRoutes.servicesStatus, {}) +
    request(
      'POST',
      `${documentPath}/authenticate`,
      { 'Content-Type': 'application/json' },
      JSON.stringify({ key, email_address: EMAIL }),
    ) +
    request('GET', '/nowhere', last);

  it('answers three requests sent at once on one connection, in order', async () => {
    const exchange = await rawExchange(port, [three({ Connection: 'close' })]);
    expect(exchange.responses.map((r) => r.status)).toEqual([200, 200, 404]);
    expect(exchange.closed).toBe(true);
  });

  it('answers all three when the client half-closes after sending them', async () => {
    const exchange = await rawExchange(port, [three({})], { halfClose: true });
    expect(exchange.responses.map((r) => r.status)).toEqual([200, 200, 404]);
    expect(exchange.closed).toBe(true);
  });
});
