import { request as httpRequest } from 'node:http';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIRM_PATH,
  DOCUMENT_B64,
  KEY,
  LANDING_PATH,
  pageTitle,
  parseHtml,
  SERVICE_B64,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { recipientRoutes } from '../../src/common/routes.js';
import { formSession } from '../helpers/forms.js';

const harness = setUpFrontendTest();

async function expectHtmlClientError(response: Response): Promise<string> {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(response.headers.get('content-type')).toContain('text/html');
  return response.text();
}

describe('malformed links', () => {
  it.each([
    ['a service id that is not base64url', `/d/${'*'.repeat(22)}/${DOCUMENT_B64}?key=${KEY}`],
    ['a short service id', `/d/${SERVICE_B64.slice(1)}/${DOCUMENT_B64}?key=${KEY}`],
    ['a long document id', `/d/${SERVICE_B64}/${DOCUMENT_B64}AA?key=${KEY}`],
    ['a document id in standard base64', `/d/${SERVICE_B64}/${DOCUMENT_B64.slice(0, 21)}+?key=${KEY}`],
    ['a raw UUID as id', `/d/3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e/${DOCUMENT_B64}?key=${KEY}`],
    ['percent-encoded junk', `/d/%00%ff%fe/${DOCUMENT_B64}?key=${KEY}`],
    ['an id of 500 characters', `/d/${'A'.repeat(500)}/${DOCUMENT_B64}?key=${KEY}`],
    ['no key', `${LANDING_PATH}`],
    ['an empty key', `${LANDING_PATH}?key=`],
    ['a key parameter without a value', `${LANDING_PATH}?key`],
    ['repeated keys', `${LANDING_PATH}?key=${KEY}&key=${KEY}`],
    ['a key in array syntax', `${LANDING_PATH}?key[]=${KEY}`],
  ])('%s is a 404 page, and the document API is not asked', async (_name, path) => {
    const pages = [recipientRoutes.landing, recipientRoutes.download, recipientRoutes.confirmEmail];
    for (const suffix of pages.map((page) => page.slice(recipientRoutes.landing.length))) {
      const [base, query] = path.split('?');
      const html = await expectHtmlClientError(
        await harness.fetch(`${base}${suffix}${query ? `?${query}` : ''}`),
      );
      expect(textOf(parseHtml(html)('h1'))).toBe('Page not found');
    }
    expect(harness.checkRequests()).toHaveLength(0);
  });

  it.each([
    ['too short', KEY.slice(1)],
    ['too long', `${KEY}AAAA`],
    ['odd characters', `${KEY.slice(0, 40)}%3C%3E!`],
    ['script', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['huge', 'A'.repeat(4000)],
  ])('a key that is %s gets the service 404 page without asking the document API', async (_name, key) => {
    const html = await expectHtmlClientError(await harness.fetch(`${LANDING_PATH}?key=${key}`));
    const $ = parseHtml(html);
    expect(textOf($('main'))).toContain('the file may have expired or been deleted');
    expect(html).not.toContain('<script>alert');
    expect($('script').filter((_index, script) => $(script).text().includes('alert'))).toHaveLength(0);
    expect(harness.checkRequests()).toHaveLength(0);
  });

  it('answers a very long query string with a client error, never a 500', async () => {
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}&junk=${'x'.repeat(20_000)}`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('escapes what it echoes from the address', async () => {
    const response = await harness.fetch(`/d/%3Cscript%3E/%22onload=%22?key=%3Cimg%20src=x%3E`);
    const html = await expectHtmlClientError(response);
    expect(html).not.toMatch(/<script>|<img src=x>|"onload="/);
    const $ = parseHtml(html);
    expect($('img')).toHaveLength(0);
    expect($('[onload]')).toHaveLength(0);
    // Only the page's own scripts, each with the response's nonce.
    expect($('script:not([nonce])')).toHaveLength(0);
  });
});

describe('malformed form posts', () => {
  const confirm = `${CONFIRM_PATH}?key=${KEY}`;

  beforeEach(() => {
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate')
        ? { status: 403, json: { error: 'no' } }
        : {
            status: 200,
            json: {
              document: {
                direct_file_url: 'http://x.example/f.pdf',
                confirm_email: true,
                size_in_bytes: 1,
                file_extension: 'pdf',
                filename: null,
                available_until: null,
              },
            },
          };
  });

  it.each([
    ['JSON', 'application/json', '{"email_address": "a@b.com"}'],
    ['plain text', 'text/plain', 'email_address=a@b.com'],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    ],
    ['XML', 'application/xml', '<email>a@b.com</email>'],
  ])('refuses a %s body with a 4xx page', async (_name, type, body) => {
    const response = await harness.fetch(confirm, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    const html = await expectHtmlClientError(response);
    expect(pageTitle(parseHtml(html))).toMatch(/ – GOV\.UK$/);
  });

  it('refuses an oversized form with 413', async () => {
    const session = await formSession(await harness.fetch(confirm));
    const response = await harness.fetch(confirm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
      body: `csrf_token=${session.token}&email_address=${'a'.repeat(100_000)}`,
    });
    expect(response.status).toBe(413);
    await expectHtmlClientError(response);
  });

  it('treats a form without the field, or with it repeated, as an empty or invalid address', async () => {
    const session = await formSession(await harness.fetch(confirm));
    const post = (body: string) =>
      harness.fetch(confirm, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
        body: `csrf_token=${encodeURIComponent(session.token)}&${body}`,
      });
    const empty = parseHtml(await (await post('other=1')).text());
    expect(textOf(empty('.govuk-error-summary a[href="#email_address"]'))).toBe('Enter your email address');
    const repeated = await post('email_address=a@b.com&email_address=c@d.com');
    expect(repeated.status).toBe(400);
    const echoed = await post(`email_address=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(echoed.status).toBe(400);
    expect(await echoed.text()).not.toContain('<script>alert(1)');
  });

  it('answers junk in the form encoding with a client error', async () => {
    const response = await harness.fetch(confirm, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '%%%&&&===%E0%A4%A',
    });
    await expectHtmlClientError(response);
  });
});

describe('junk headers', () => {
  it('ignores malformed trace ids and makes its own', async () => {
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`, {
      headers: { 'X-B3-TraceId': '<script>', 'X-B3-SpanId': 'x'.repeat(100) },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-b3-traceid')).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get('x-b3-spanid')).toMatch(/^[0-9a-f]{16}$/);
    const [call] = harness.serviceDirectory.requests;
    expect(call?.headers['x-b3-traceid']).toBe(response.headers.get('x-b3-traceid'));
  });

  it('answers a request with an unparseable cookie header normally', async () => {
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`, {
      headers: { cookie: '=;;%%; _csrf=%E0' },
    });
    expect(response.status).toBe(200);
  });

  it('answers a malformed request line with a 400 and keeps serving', async () => {
    const { port } = new URL(harness.baseUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/d/%ZZ/../x?key=\u0001', method: 'GET' });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    }).catch(() => 400);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect((await harness.fetch('/_status')).status).toBe(200);
  });
});
