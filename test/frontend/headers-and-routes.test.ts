import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../src/common/project-files.js';
import {
  CONFIRM_PATH,
  DOCUMENT_ID,
  DOWNLOAD_PATH,
  EVERY_RESPONSE_HEADERS,
  KEY,
  LANDING_PATH,
  PAGE_CACHE_CONTROL,
  parseHtml,
  SERVICE_ID,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';

const harness = setUpFrontendTest();

const manifest = JSON.parse(readFileSync(paths.assetManifest, 'utf8')) as Record<string, string>;

/** The response head for a GET of `target` exactly as written on the request line. */
function rawGet(target: string): Promise<string> {
  const { port } = new URL(harness.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('connect', () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: frontend.test\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(received.split('\r\n\r\n')[0] ?? ''));
  });
}

function cspNonce(response: Response): string {
  const csp = response.headers.get('content-security-policy') ?? '';
  const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
  expect(csp).toBe(
    `default-src 'self'; script-src 'self' 'nonce-${nonce}'; connect-src 'self'; object-src 'self'; ` +
      `font-src 'self' data:; img-src 'self' data:; style-src 'self' 'nonce-${nonce}'; ` +
      `frame-ancestors 'self'; frame-src 'self'`,
  );
  return nonce;
}

describe('security headers', () => {
  it.each([
    ['a page', `${LANDING_PATH}?key=${KEY}`],
    ['an error page', '/nowhere'],
    ['a redirect', '/security.txt'],
    ['the status endpoint', '/_status'],
    ['a static asset', manifest['application.css'] as string],
    ['a bad request', `${CONFIRM_PATH}?key=${KEY}`],
  ])('are on %s', async (_name, path) => {
    const response = await harness.fetch(
      path,
      path.includes('confirm')
        ? { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }
        : {},
    );
    for (const [name, value] of Object.entries(EVERY_RESPONSE_HEADERS))
      expect(response.headers.get(name), name).toBe(value);
    cspNonce(response);
  });

  it('use a fresh nonce of at least 128 bits per response, the one the page scripts carry', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`);
      const nonce = cspNonce(response);
      expect(Buffer.from(nonce, 'base64').length).toBeGreaterThanOrEqual(16);
      const $ = parseHtml(await response.text());
      const scripts = $('script').toArray();
      expect(scripts.length).toBeGreaterThanOrEqual(2);
      for (const script of scripts) expect($(script).attr('nonce')).toBe(nonce);
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(5);
  });

  it.each([
    ['a page', `${LANDING_PATH}?key=${KEY}`, 200],
    ['the download page', `${DOWNLOAD_PATH}?key=${KEY}`, 200],
    ['an error page', '/nowhere', 404],
    ['a page for an over-long id', `/d/${'A'.repeat(300)}/x?key=${KEY}`, 404],
    ['a missing asset', '/assets/nothing-here.css', 404],
    ['the status endpoint', '/_status', 200],
    ['an old document URL', documentApiRoutes.servicesStatus, 301],
    ['security.txt', '/security.txt', 302],
    ['the well-known security.txt', '/.well-known/security.txt', 302],
    ['confirm on a file that needs no confirmation', `${CONFIRM_PATH}?key=${KEY}`, 302],
  ])('stop %s being cached', async (_name, path, status) => {
    const response = await harness.fetch(path);
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe(PAGE_CACHE_CONTROL);
  });

  it('stop a refused form post being cached', async () => {
    const response = await harness.fetch(`${CONFIRM_PATH}?key=${KEY}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('cache-control')).toBe(PAGE_CACHE_CONTROL);
  });
});

describe('page layout', () => {
  it('uses the GOV.UK template, links the header to GOV.UK and keeps the footer to same-origin pages without the key', async () => {
    const $ = parseHtml(await (await harness.fetch(`${LANDING_PATH}?key=${KEY}`)).text());
    expect($('html').attr('lang')).toBe('en');
    expect($('html').hasClass('govuk-template')).toBe(true);
    expect($('header a[href="https://www.gov.uk"]').attr('class')).toMatch(/^govuk-header__[a-z-]+$/);
    const footer = $('footer');
    expect(footer).toHaveLength(1);
    expect(textOf(footer)).toContain('Open Government Licence v3.0');
    expect(textOf(footer)).toContain('© Crown copyright');
    const footerLinks = footer
      .find('a')
      .map((_index, a) => $(a).attr('href'))
      .get();
    expect(footerLinks).toEqual(['/accessibility-statement', '/cookies']);
    expect($('link[rel="stylesheet"]').attr('href')).toBe(manifest['application.css']);
    const module = $('script[type="module"]');
    expect(module.attr('src')).toBe(manifest['application.js']);
    expect(module.attr('nonce')).toMatch(/^\S+$/);
    expect($(`link[href="${manifest.govukAssetPath}/images/favicon.svg"]`)).toHaveLength(1);
  });
});

describe('static assets', () => {
  it.each([
    ['application.css', 'text/css'],
    ['application.js', 'application/javascript'],
  ])('serves %s fingerprinted, immutable, with the right length', async (name, type) => {
    const path = manifest[name] as string;
    expect(path).toMatch(/-[A-Za-z0-9_-]{8,}\.(css|js)$/);
    const response = await harness.fetch(path, { headers: { 'accept-encoding': 'identity' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(type);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    expect(body.equals(readFileSync(join(paths.staticDir, path)))).toBe(true);
  });

  it('serves a precompressed copy to browsers that accept it', async () => {
    const path = manifest['application.css'] as string;
    const response = await fetch(harness.baseUrl + path, { headers: { 'accept-encoding': 'br' } });
    expect(response.headers.get('content-encoding')).toBe('br');
    const compressed = readFileSync(join(paths.staticDir, `${path}.br`));
    expect(Number(response.headers.get('content-length'))).toBe(compressed.length);
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(paths.staticDir, path)))).toBe(
      true,
    );
  });

  it("serves GOV.UK Frontend's fonts and images under the fingerprinted folder", async () => {
    const font = await harness.fetch(`${manifest.govukAssetPath}/fonts/bold-b542beb274-v2.woff2`);
    expect(font.status).toBe(200);
    expect(font.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await harness.fetch(`${manifest.govukAssetPath}/images/favicon.svg`)).status).toBe(200);
    expect((await harness.fetch(`${manifest.govukAssetPath}/manifest.json`)).status).toBe(200);
  });

  it('does not serve anything outside the assets folder', async () => {
    expect((await harness.fetch('/assets/../manifest.json')).status).toBe(404);
    expect((await harness.fetch('/assets/%2e%2e/manifest.json')).status).toBe(404);
    expect((await harness.fetch('/assets/')).status).toBe(404);
  });
});

describe('service routes', () => {
  it('reports its status as JSON', async () => {
    const response = await harness.fetch('/_status');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it.each([
    documentApiRoutes.servicesStatus,
    `${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID)}?key=abc`,
    `${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID, 'pdf')}?key=abc&x=1`,
    `${documentApiPaths.check(SERVICE_ID, DOCUMENT_ID)}?key=abc`,
  ])('sends %s to the document API, path and query intact', async (path) => {
    const response = await harness.fetch(path);
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(`http://download.example.gov.uk${path}`);
  });

  it.each([
    [`http://evil.example${documentApiRoutes.servicesStatus}`, documentApiRoutes.servicesStatus],
    [
      `https://evil.example:8443${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID)}?key=abc`,
      `${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID)}?key=abc`,
    ],
  ])(
    'builds the redirect for the absolute-form target %s from its path and query alone',
    async (target, path) => {
      const head = await rawGet(target);
      expect(head).toMatch(/^HTTP\/1\.1 301 /);
      expect(/^location: (.*)$/im.exec(head)?.[1]?.trim()).toBe(`http://download.example.gov.uk${path}`);
    },
  );

  it.each(['/security.txt', '/.well-known/security.txt'])(
    'redirects %s to the Cabinet Office policy',
    async (path) => {
      const response = await harness.fetch(path);
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(
        'https://vdp.cabinetoffice.gov.uk/.well-known/security.txt',
      );
    },
  );
});
