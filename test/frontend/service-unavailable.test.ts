// An upstream that answers 503 is down for now (the API without Redis or S3, or a load balancer with no replica
// left): the recipient gets an honest "service unavailable, try again later" page with status 503, not the 500
// page that says something went wrong.
import { describe, expect, it } from 'vitest';
import {
  CONFIRM_PATH,
  documentJson,
  DOWNLOAD_PATH,
  KEY,
  LANDING_PATH,
  pageTitle,
  parseHtml,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { formBody, formSession } from '../helpers/forms.js';
import type { Handler } from '../helpers/recording-server.js';

const harness = setUpFrontendTest();

const LANDING = `${LANDING_PATH}?key=${KEY}`;
const CONFIRM = `${CONFIRM_PATH}?key=${KEY}`;
const DOWNLOAD = `${DOWNLOAD_PATH}?key=${KEY}`;
const UPSTREAM_DETAIL = 'redis at 10.0.0.7:6379 refused the connection';
const API_OUTAGE: ReturnType<Handler> = { status: 503, json: { error: UPSTREAM_DETAIL } };
const LOAD_BALANCER_OUTAGE: ReturnType<Handler> = {
  status: 503,
  body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>',
};

async function expectUnavailablePage(response: Response): Promise<void> {
  const html = await response.text();
  const $ = parseHtml(html);
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('cache-control')).toContain('no-store');
  expect(pageTitle($)).toBe('Sorry, the service is unavailable – GOV.UK');
  expect($('h1.govuk-heading-l').text()).toBe('Sorry, the service is unavailable');
  const main = textOf($('main'));
  expect(main).toContain('You cannot download your file at the moment.');
  expect(main).toContain('Try again later.');
  expect(main).not.toContain('problem with the service');
  expect(html).not.toMatch(/redis|10\.0\.0\.7|No server is available|503 Service Unavailable/);
  expect(html.trimEnd().endsWith('</html>')).toBe(true);
}

const confirmFirst = () =>
  (harness.documentApi.handler = () => ({ status: 200, json: documentJson({ confirm_email: true }) }));

describe('an upstream that is unavailable', () => {
  it.each([
    ['the landing page', LANDING],
    ['the confirm page', CONFIRM],
    ['the download page', DOWNLOAD],
  ])('shows the 503 page on %s when the document API answers 503', async (_name, path) => {
    harness.documentApi.handler = () => API_OUTAGE;
    await expectUnavailablePage(await harness.fetch(path));
  });

  it("shows the 503 page when the load balancer's own 503 comes back instead of the API", async () => {
    harness.documentApi.handler = () => LOAD_BALANCER_OUTAGE;
    await expectUnavailablePage(await harness.fetch(LANDING));
  });

  it('shows the 503 page when the service directory answers 503', async () => {
    harness.serviceDirectory.handler = () => API_OUTAGE;
    await expectUnavailablePage(await harness.fetch(DOWNLOAD));
  });

  it('shows the 503 page, and sets no access cookie, when authenticate answers 503', async () => {
    confirmFirst();
    const form = await formSession(await harness.fetch(CONFIRM));
    const check = harness.documentApi.handler;
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate') ? API_OUTAGE : check(request);
    const response = await harness.fetch(CONFIRM, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      body: formBody({ csrf_token: form.token, email_address: 'recipient@example.com' }),
    });
    expect(
      response.headers.getSetCookie().filter((c) => c.startsWith('document_access_signed_data=')),
    ).toEqual([]);
    await expectUnavailablePage(response);
    expect(harness.documentApi.requests.filter((r) => r.url.endsWith('/authenticate'))).toHaveLength(1);
  });

  it('shows the 503 page for a form with a bad CSRF token when the document API answers 503', async () => {
    confirmFirst();
    const form = await formSession(await harness.fetch(CONFIRM));
    harness.documentApi.handler = () => API_OUTAGE;
    const response = await harness.fetch(CONFIRM, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
      body: formBody({ csrf_token: 'forged', email_address: 'recipient@example.com' }),
    });
    await expectUnavailablePage(response);
  });

  it('logs the outage as a warning, not as a failed request', async () => {
    harness.documentApi.handler = () => API_OUTAGE;
    const linesBefore = harness.logLines.length;
    await (await harness.fetch(LANDING)).text();
    const lines = harness.logLines
      .slice(linesBefore)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(
      lines.some(
        (line) =>
          line.message === 'upstream unavailable' &&
          line.level === 'warn' &&
          line.upstream === 'document-api',
      ),
    ).toBe(true);
    expect(lines.some((line) => line.message === 'request failed')).toBe(false);
  });

  it('still shows the 500 page for other 5xx answers', async () => {
    harness.documentApi.handler = () => ({ status: 502, json: { error: 'bad gateway' } });
    const response = await harness.fetch(LANDING);
    expect(response.status).toBe(500);
    expect(textOf(parseHtml(await response.text())('h1'))).toBe('Sorry, there’s a problem with the service');
  });
});
