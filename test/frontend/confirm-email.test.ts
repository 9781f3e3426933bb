import { beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIRM_PATH,
  DOCUMENT_ID,
  documentJson,
  DOWNLOAD_PATH,
  FrontendHarness,
  KEY,
  pageTitle,
  parseHtml,
  SERVICE_ID,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { formBody, formSession, type FormSession } from '../helpers/forms.js';
import { documentApiPaths } from '../../src/common/routes.js';

const harness = setUpFrontendTest();

const CONFIRM = `${CONFIRM_PATH}?key=${KEY}`;
const DOWNLOAD = `${DOWNLOAD_PATH}?key=${KEY}`;
const DIRECT_FILE_URL = `http://download.example.gov.uk${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID, 'pdf')}?key=${KEY}`;
const RIGHT_EMAIL = 'recipient@example.com';

beforeEach(() => {
  harness.documentApi.handler = (request) => {
    if (request.url.endsWith('/authenticate')) {
      const { email_address: email } = JSON.parse(request.body) as { email_address: string };
      return email === RIGHT_EMAIL
        ? { status: 200, json: { signed_data: 'signed.token.value', direct_file_url: DIRECT_FILE_URL } }
        : { status: 403, json: { error: 'Authentication failure' } };
    }
    return { status: 200, json: documentJson({ confirm_email: true }) };
  };
});

function authenticateCalls() {
  return harness.documentApi.requests.filter((r) => r.url.endsWith('/authenticate'));
}

async function openForm(): Promise<FormSession> {
  const response = await harness.fetch(CONFIRM);
  expect(response.status).toBe(200);
  return formSession(response);
}

async function submit(
  session: FormSession,
  email: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  return harness.fetch(CONFIRM, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
    body: formBody({ csrf_token: session.token, email_address: email, ...extra }),
  });
}

describe('confirm your email address', () => {
  it('shows one email field and a Continue button', async () => {
    const $ = parseHtml(await (await harness.fetch(CONFIRM)).text());
    expect(pageTitle($)).toBe('Confirm your email address – GOV.UK');
    expect(textOf($('main'))).toContain(
      'For security, we need to confirm the email address the file was sent to before you can download it.',
    );
    const form = $('main form');
    expect(form).toHaveLength(1);
    expect(form.attr('method')).toBe('post');
    expect(form.attr('action')).toBe(`${CONFIRM_PATH}?key=${KEY}`);
    const fields = form.find('input:not([type="hidden"])');
    expect(fields).toHaveLength(1);
    expect(fields.attr('name')).toBe('email_address');
    expect(fields.attr('id')).toBe('email_address');
    expect(fields.attr('type')).toBe('email');
    expect(fields.attr('autocomplete')).toBe('email');
    expect(fields.attr('spellcheck')).toBe('false');
    expect(textOf($('label[for="email_address"]'))).toBe('Email address');
    expect(
      form
        .find('button')
        .toArray()
        .map((button) => textOf($(button))),
    ).toEqual(['Continue']);
  });

  it('goes straight to the download page when no confirmation is needed', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson({ confirm_email: false }) });
    const response = await harness.fetch(CONFIRM);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(DOWNLOAD);
  });

  it('sets the access cookie and redirects to the download page for the right address', async () => {
    const response = await submit(await openForm(), `  ${RIGHT_EMAIL} `);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(DOWNLOAD);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('document_access_signed_data='));
    expect(cookie).toBeDefined();
    expect(cookie).toContain('document_access_signed_data=signed.token.value');
    expect(cookie).toContain(`Path=${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID, 'pdf')}`);
    expect(cookie).toContain('Domain=example.gov.uk');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).not.toContain('Secure');

    const [call] = authenticateCalls();
    expect(call?.method).toBe('POST');
    expect(call?.url).toBe(documentApiPaths.authenticate(SERVICE_ID, DOCUMENT_ID));
    expect(call?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(call?.body ?? '')).toEqual({ key: KEY, email_address: RIGHT_EMAIL });
  });

  it('has the contact paragraph, as the landing and download pages do', async () => {
    const $ = parseHtml(await (await harness.fetch(CONFIRM)).text());
    const contact = $('main p').filter((_index, p) => textOf($(p)).startsWith('If you have any questions'));
    expect(textOf(contact)).toBe('If you have any questions, contact Apply for a licence.');
    const link = contact.find('a');
    expect(link.attr('class')).toBe('govuk-link');
    expect(link.attr('href')).toBe('https://example.gov.uk/contact');
    expect(link.attr('rel')).toBe('noreferrer');
    expect(link.text()).toBe('contact Apply for a licence');
  });

  it('says so when the address is not the one the file was sent to', async () => {
    const response = await submit(await openForm(), 'someone.else@example.com');
    expect(response.status).toBe(400);
    const $ = parseHtml(await response.text());
    expect(pageTitle($)).toBe('Error: Confirm your email address – GOV.UK');
    expect(textOf($('h2.govuk-error-summary__title'))).toBe('There is a problem');
    const body = textOf($('div.govuk-error-summary__body'));
    expect(body).toContain('This is not the email address the file was sent to.');
    expect(body).toContain(
      'To confirm the file was meant for you, enter the email address Apply for a licence sent the file to.',
    );
    expect($('.govuk-error-message')).toHaveLength(0);
    expect(response.headers.getSetCookie().some((c) => c.startsWith('document_access_signed_data='))).toBe(
      false,
    );
  });

  it('treats a 400 from the API as the wrong address too', async () => {
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate')
        ? { status: 400, json: { error: 'Invalid email address' } }
        : { status: 200, json: documentJson({ confirm_email: true }) };
    const response = await submit(await openForm(), RIGHT_EMAIL);
    expect(response.status).toBe(400);
    expect(textOf(parseHtml(await response.text())('.govuk-error-summary'))).toContain(
      'This is not the email address the file was sent to.',
    );
  });

  it.each([
    ['', 'Enter your email address'],
    ['   ', 'Enter your email address'],
    ['not-an-email', 'Not a valid email address'],
    ['two@@example.com', 'Not a valid email address'],
  ])('rejects %j with "%s" without asking the API', async (email, message) => {
    const response = await submit(await openForm(), email);
    expect(response.status).toBe(400);
    const $ = parseHtml(await response.text());
    expect(pageTitle($)).toBe('Error: Confirm your email address – GOV.UK');
    expect(textOf($('.govuk-error-summary__title'))).toBe('There is a problem');
    expect(textOf($('.govuk-error-summary a[href="#email_address"]'))).toBe(message);
    const fieldError = $('.govuk-form-group .govuk-error-message');
    expect(textOf(fieldError.find('.govuk-visually-hidden'))).toBe('Error:');
    expect(textOf(fieldError)).toBe(`Error: ${message}`);
    expect(authenticateCalls()).toHaveLength(0);
  });

  it('shows the too-many-attempts page when the API rate-limits', async () => {
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate')
        ? { status: 429, json: { error: 'Too many requests' } }
        : { status: 200, json: documentJson({ confirm_email: true }) };
    const response = await submit(await openForm(), RIGHT_EMAIL);
    expect(response.status).toBe(429);
    const $ = parseHtml(await response.text());
    expect(pageTitle($)).toBe('Cannot access document – GOV.UK');
    expect(textOf($('main'))).toContain(
      'There have been too many attempts to access this document recently. Please try again in a few minutes.',
    );
    const back = $('main a').filter((_index, a) => textOf($(a)) === 'Go back to confirm your email address');
    expect(back.attr('href')).toBe(`${CONFIRM_PATH}?key=${KEY}`);
    expect(back.attr('class')).toBe('govuk-link');
  });

  it.each([
    ['404', 404, 'the file may have expired or been deleted'],
    ['410', 410, 'has expired or been deleted'],
  ])('shows the unavailable page when authenticate says %s', async (_name, status, words) => {
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate')
        ? { status, json: { error: 'x' } }
        : { status: 200, json: documentJson({ confirm_email: true }) };
    const response = await submit(await openForm(), RIGHT_EMAIL);
    expect(response.status).toBe(status);
    expect(textOf(parseHtml(await response.text())('main'))).toContain(words);
  });

  it('shows the 500 page when authenticate answers something unexpected', async () => {
    harness.documentApi.handler = (request) =>
      request.url.endsWith('/authenticate')
        ? { status: 200, json: { signed_data: 1 } }
        : { status: 200, json: documentJson({ confirm_email: true }) };
    const response = await submit(await openForm(), RIGHT_EMAIL);
    expect(response.status).toBe(500);
  });

  it('marks the cookie Secure when served over https', async () => {
    const secure = new FrontendHarness();
    await secure.start({ HTTP_PROTOCOL: 'https', DOCUMENT_DOWNLOAD_API_HOST_NAME: 'https://localhost:7000' });
    try {
      secure.documentApi.handler = harness.documentApi.handler;
      const form = await formSession(await secure.fetch(CONFIRM));
      const response = await secure.fetch(CONFIRM, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
        body: formBody({ csrf_token: form.token, email_address: RIGHT_EMAIL }),
      });
      const cookie = response.headers
        .getSetCookie()
        .find((c) => c.startsWith('document_access_signed_data='));
      expect(cookie).toContain('Secure');
      expect(cookie).not.toContain('Domain=');
    } finally {
      await secure.stop();
    }
  });
});

describe('what the form accepts', () => {
  const post = (session: FormSession, type: string, body: string) =>
    harness.fetch(CONFIRM, {
      method: 'POST',
      headers: { 'content-type': type, cookie: session.cookie },
      body,
    });

  it.each([
    [
      'JSON',
      'application/json',
      (token: string) => JSON.stringify({ csrf_token: token, email_address: RIGHT_EMAIL }),
    ],
    [
      'JSON with _csrf',
      'application/json',
      (token: string) => JSON.stringify({ _csrf: token, email_address: RIGHT_EMAIL }),
    ],
    ['text', 'text/plain', (token: string) => formBody({ csrf_token: token, email_address: RIGHT_EMAIL })],
  ])('answers a %s body with the 415 page and authenticates nothing', async (_name, type, body) => {
    const session = await openForm();
    const response = await post(session, type, body(session.token));
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(textOf(parseHtml(await response.text())('main'))).toContain(
      'What you sent was not a form we recognise.',
    );
    expect(response.headers.getSetCookie().some((c) => c.startsWith('document_access_signed_data='))).toBe(
      false,
    );
    expect(authenticateCalls()).toHaveLength(0);
  });

  it('takes a form with a charset parameter, in any case', async () => {
    const session = await openForm();
    const body = formBody({ csrf_token: session.token, email_address: RIGHT_EMAIL });
    const response = await post(session, 'Application/X-WWW-Form-Urlencoded; charset=UTF-8', body);
    expect(response.status).toBe(302);
    expect(authenticateCalls()).toHaveLength(1);
  });
});

describe('CSRF protection', () => {
  it('names the hidden field csrf_token, as Notify does, and reads the token from it alone', async () => {
    const session = await openForm();
    const $ = parseHtml(await (await harness.fetch(CONFIRM, { headers: { cookie: session.cookie } })).text());
    const hidden = $('form input[type="hidden"]');
    expect(hidden.toArray().map((input) => $(input).attr('name'))).toEqual(['csrf_token']);
    expect(hidden.attr('value')).toMatch(/^\S+$/);
    expect($('[name="_csrf"]')).toHaveLength(0);

    const underOldName = await harness.fetch(CONFIRM, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session.cookie },
      body: formBody({ _csrf: session.token, email_address: RIGHT_EMAIL }),
    });
    expect(underOldName.status).toBe(400);
    const inHeader = await harness.fetch(CONFIRM, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: session.cookie,
        'x-csrf-token': session.token,
      },
      body: formBody({ email_address: RIGHT_EMAIL }),
    });
    expect(inHeader.status).toBe(400);
    expect(authenticateCalls()).toHaveLength(0);
    expect((await submit(session, RIGHT_EMAIL)).status).toBe(302);
  });

  it.each([
    ['no token and no cookie', async () => ({ cookie: '', token: '' })],
    ['a token without its cookie', async () => ({ ...(await openForm()), cookie: '' })],
    ['a forged token', async () => ({ ...(await openForm()), token: 'forged-token' })],
    [
      'a tampered cookie',
      async () => ({ ...(await openForm()), cookie: (await openForm()).cookie.replace(/.$/, 'x') }),
    ],
    [
      'a cookie from another session',
      async () => ({ ...(await openForm()), cookie: (await openForm()).cookie }),
    ],
  ])('refuses %s with the form and a 400, sending nothing upstream', async (_name, session) => {
    const response = await submit(await session(), RIGHT_EMAIL);
    expect(response.status).toBe(400);
    const $ = parseHtml(await response.text());
    expect(textOf($('.govuk-error-summary__title'))).toBe('There is a problem');
    expect(textOf($('.govuk-error-summary a[href="#email_address"]'))).toBe(
      'Your form could not be sent. Try again.',
    );
    expect($('form input[name="email_address"]')).toHaveLength(1);
    expect(authenticateCalls()).toHaveLength(0);
  });
});
