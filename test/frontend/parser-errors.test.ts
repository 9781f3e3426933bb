// What Node's HTTP layer would answer by itself (parser errors, no Host, Expect, CONNECT, half-closed clients,
// pipelining), on a real port over raw sockets: every answer is the frontend's HTML page with every security header.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  documentJson,
  EVERY_RESPONSE_HEADERS,
  KEY,
  LANDING_PATH,
  PAGE_CACHE_CONTROL,
  setUpFrontendTest,
  pageTitle,
  parseHtml,
  textOf,
} from '../helpers/frontend-harness.js';
import { type RawResponse, rawExchange } from '../helpers/raw-http.js';

const harness = setUpFrontendTest();
let port = 0;
beforeAll(() => {
  port = Number(new URL(harness.baseUrl).port);
});

const PAGE_HEADERS = { ...EVERY_RESPONSE_HEADERS, 'cache-control': PAGE_CACHE_CONTROL };

/** The error page with every security header, its CSP nonce the one its scripts carry. */
function expectErrorPage(response: RawResponse | undefined, status: number): void {
  expect(response, 'an answer').toBeDefined();
  expect(response!.status).toBe(status);
  expect(response!.headers['content-type']).toBe('text/html; charset=utf-8');
  for (const [name, value] of Object.entries(PAGE_HEADERS)) expect(response!.headers[name], name).toBe(value);
  const nonce = /script-src 'self' 'nonce-([A-Za-z0-9+/=]{22,})'/.exec(
    response!.headers['content-security-policy'] ?? '',
  )?.[1];
  expect(nonce).toBeDefined();
  expect(response!.headers['content-security-policy']).toContain("frame-ancestors 'self'");
  expect(response!.body).toMatch(/^<!DOCTYPE html>/);
  const $ = parseHtml(response!.body);
  expect(pageTitle($)).toMatch(/ – GOV\.UK$/);
  const scripts = $('script').toArray();
  expect(scripts.length).toBeGreaterThan(0);
  for (const script of scripts) expect($(script).attr('nonce')).toBe(nonce);
}

const LANDING = `${LANDING_PATH}?key=${KEY}`;

describe('requests the HTTP parser rejects', () => {
  it.each([
    ['a malformed request line', 'GET /d x y HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['a CR in the path', 'GET /d/\rx HTTP/1.1\r\nHost: localhost\r\n\r\n', 400],
    ['a junk header', 'GET / HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n', 400],
    [
      'Transfer-Encoding with Content-Length',
      'POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s gets the error page with every security header', async (_name, request, status) => {
    const exchange = await rawExchange(port, [request]);
    expect(exchange.closed).toBe(true);
    expect(exchange.responses).toHaveLength(1);
    expectErrorPage(exchange.responses[0], status);
    expect(exchange.responses[0]!.headers.connection).toBe('close');
  });
});

describe('what Node would answer bare', () => {
  it('no Host header (HTTP/1.1) gets the 400 page', async () => {
    const exchange = await rawExchange(port, [`GET ${LANDING} HTTP/1.1\r\n\r\n`]);
    expectErrorPage(exchange.responses[0], 400);
    expect(exchange.closed).toBe(true);
    // A request without Host in HTTP/1.0 is allowed.
    const old = await rawExchange(port, [`GET /_status HTTP/1.0\r\n\r\n`]);
    expect(old.responses[0]?.status).toBe(200);
  });

  it('an Expect other than 100-continue gets the 417 page; 100-continue still works', async () => {
    const exchange = await rawExchange(port, [
      `GET ${LANDING} HTTP/1.1\r\nHost: localhost\r\nExpect: something-else\r\n\r\n`,
    ]);
    expectErrorPage(exchange.responses[0], 417);
    expect(exchange.closed).toBe(true);

    const continued = await rawExchange(port, [
      'GET /_status HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    ]);
    expect(continued.responses.map((r) => r.status)).toEqual([100, 200]);
  });

  it('CONNECT gets the 405 page with Allow, and the connection closes', async () => {
    const exchange = await rawExchange(port, [
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    ]);
    expectErrorPage(exchange.responses[0], 405);
    expect(exchange.responses[0]!.headers.allow).toBe('GET, HEAD, POST');
    expect(exchange.closed).toBe(true);
  });
});

describe('connections', () => {
  it('a client that half-closes after its request still gets the page of a slow handler', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson(), delayMs: 300 });
    try {
      const exchange = await rawExchange(
        port,
        [`GET ${LANDING} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`],
        { halfClose: true },
      );
      expect(exchange.responses.map((r) => r.status)).toEqual([200]);
      expect(textOf(parseHtml(exchange.responses[0]!.body)('h1'))).toBe('You have a file to download');
      expect(exchange.closed).toBe(true);
    } finally {
      harness.useDefaults();
    }
  });

  it('answers three pipelined requests in order, with or without a half-close', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson(), delayMs: 100 });
    try {
      const request = (path: string, last = false) =>
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
      for (const halfClose of [false, true]) {
        const exchange = await rawExchange(
          port,
          [request(LANDING) + request('/nowhere') + request(LANDING, true)],
          { halfClose },
        );
        expect(exchange.responses.map((r) => r.status)).toEqual([200, 404, 200]);
        expect(textOf(parseHtml(exchange.responses[0]!.body)('h1'))).toBe('You have a file to download');
        expect(exchange.closed).toBe(true);
      }
    } finally {
      harness.useDefaults();
    }
  });
});
