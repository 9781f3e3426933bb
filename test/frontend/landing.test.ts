import type { CheerioAPI } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { verifyNotifyToken } from '../../src/common/jwt.js';
import {
  CONFIRM_PATH,
  DOCUMENT_ID,
  documentJson,
  DOWNLOAD_PATH,
  FrontendHarness,
  KEY,
  LANDING_PATH,
  pageTitle,
  parseHtml,
  SERVICE_ID,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { documentApiPaths } from '../../src/common/routes.js';

const harness = setUpFrontendTest();

/** The landing page's Continue button (GOV.UK's button macro with an href is a link). */
function continueLink($: CheerioAPI) {
  const links = $('main a.govuk-button').filter((_index, a) => textOf($(a)) === 'Continue');
  expect(links).toHaveLength(1);
  return links;
}

describe('landing page', () => {
  it('names the sender and continues to the download page when no confirmation is needed', async () => {
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const $ = parseHtml(await response.text());
    expect(pageTitle($)).toBe('You have a file to download – GOV.UK');
    const heading = $('h1');
    expect(heading).toHaveLength(1);
    expect(heading.attr('class')).toBe('govuk-heading-l');
    expect(heading.text()).toBe('You have a file to download');
    expect(textOf($('main'))).toContain('Apply for a licence sent you a file to download.');
    expect(continueLink($).attr('href')).toBe(`${DOWNLOAD_PATH}?key=${KEY}`);
    expect($('head meta[name="referrer"]').attr('content')).toBe('never');
    const contact = $('main a').filter((_index, a) => textOf($(a)) === 'contact Apply for a licence');
    expect(contact.attr('href')).toBe('https://example.gov.uk/contact');
    expect(contact.attr('rel')).toBe('noreferrer');
  });

  it('continues to the confirm page when the sender asked for confirmation', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson({ confirm_email: true }) });
    const $ = parseHtml(await (await harness.fetch(`${LANDING_PATH}?key=${KEY}`)).text());
    expect(continueLink($).attr('href')).toBe(`${CONFIRM_PATH}?key=${KEY}`);
  });

  it('asks the service directory with an admin JWT and the document API with the key, passing trace ids', async () => {
    const traceId = '0123456789abcdef0123456789abcdef';
    const spanId = '0123456789abcdef';
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`, {
      headers: { 'X-B3-TraceId': traceId, 'X-B3-SpanId': spanId },
    });
    expect(response.headers.get('x-b3-traceid')).toBe(traceId);
    expect(response.headers.get('x-b3-spanid')).toBe(spanId);

    const [serviceCall] = harness.serviceDirectory.requests;
    expect(serviceCall?.method).toBe('GET');
    expect(serviceCall?.url).toBe(`/service/${SERVICE_ID}`);
    const token = serviceCall?.headers.authorization?.replace(/^Bearer /, '') ?? '';
    // Awaited: the verifier is synchronous here and asynchronous (jose) once the API's branch lands.
    expect(await verifyNotifyToken(token, { 'notify-admin': 'test-admin-secret' })).toMatchObject({
      ok: true,
    });
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'HS256',
    });

    const [checkCall] = harness.checkRequests();
    expect(checkCall?.url).toBe(`${documentApiPaths.check(SERVICE_ID, DOCUMENT_ID)}?key=${KEY}`);
    for (const call of [serviceCall, checkCall]) {
      expect(call?.headers['x-b3-traceid']).toBe(traceId);
      expect(call?.headers['x-b3-parentspanid']).toBe(spanId);
      expect(call?.headers['x-b3-spanid']).toMatch(/^[0-9a-f]{16}$/);
      expect(call?.headers['x-b3-spanid']).not.toBe(spanId);
    }
  });
});

describe('service cache', () => {
  it('reuses what the directory said about a service for SERVICE_CACHE_TTL_SECONDS', async () => {
    const cached = new FrontendHarness();
    await cached.start({ SERVICE_CACHE_TTL_SECONDS: '30' });
    try {
      for (let i = 0; i < 3; i += 1)
        expect((await cached.fetch(`${LANDING_PATH}?key=${KEY}`)).status).toBe(200);
      expect(cached.serviceDirectory.requests).toHaveLength(1);
      expect(cached.checkRequests()).toHaveLength(3);

      cached.serviceDirectory.handler = () => ({ status: 404, json: {} });
      const other = LANDING_PATH.replace(/^\/d\/[^/]+/, '/d/AAAAAAAAAAAAAAAAAAAAAA');
      expect((await cached.fetch(`${other}?key=${KEY}`)).status).toBe(404);
      expect((await cached.fetch(`${other}?key=${KEY}`)).status).toBe(404);
      // The unknown id is remembered briefly too (test/frontend/service-cache.test.ts pins the clock).
      expect(cached.serviceDirectory.requests.length).toBeGreaterThanOrEqual(2);
    } finally {
      await cached.stop();
    }
  });
});
