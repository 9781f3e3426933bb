import { describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/recording-server.js';
import { BROWSER_TEST_TIMEOUT_MS } from '../helpers/browser.js';
import {
  CONFIRM_PATH,
  DOCUMENT_ID,
  DOWNLOAD_PATH,
  KEY,
  LANDING_PATH,
  SERVICE_ID,
  documentJson,
} from '../helpers/frontend-harness.js';
import { type BrowserSession as Session, navigate, setUpBrowserTest } from './fixture.js';
import { checkPage, textOf } from './page-checks.js';

// The public API host is "localhost": no Domain attribute, so the browser keeps the cookie for 127.0.0.1.
const PUBLIC_API = 'http://localhost:7000';
const FILE_URL = `${PUBLIC_API}/services/${SERVICE_ID}/documents/${DOCUMENT_ID}.pdf?key=${KEY}`;
const FILE_PATH = new URL(FILE_URL).pathname;
const RIGHT_EMAIL = 'recipient@example.com';
const WRONG_EMAIL = 'someone.else@example.com';
const SIGNED_DATA = 'signed.data-from-the-api';

const { harness, openSession } = setUpBrowserTest({ DOCUMENT_DOWNLOAD_API_HOST_NAME: PUBLIC_API });

/** The fake document API: the file needs confirmation, and only RIGHT_EMAIL authenticates. */
function documentApi(confirmEmail: boolean) {
  return (request: RecordedRequest) => {
    if (request.url.includes('/check')) {
      return { status: 200, json: documentJson({ confirm_email: confirmEmail, direct_file_url: FILE_URL }) };
    }
    if (request.method === 'POST' && request.url.endsWith('/authenticate')) {
      const body = JSON.parse(request.body) as { email_address?: string };
      return body.email_address === RIGHT_EMAIL
        ? { status: 200, json: { signed_data: SIGNED_DATA, direct_file_url: FILE_URL } }
        : { status: 403, json: { error: 'Authentication failure' } };
    }
    return { status: 404, json: { error: 'no such route' } };
  };
}

function authenticateCalls(): { key: string; email_address: string }[] {
  return harness.documentApi.requests
    .filter((request) => request.url.endsWith('/authenticate'))
    .map((request) => JSON.parse(request.body) as { key: string; email_address: string });
}

async function expectDownloadPage(session: Session, name: string, javaScript: boolean): Promise<void> {
  await checkPage(session.page, session.watcher, {
    name,
    status: 200,
    heading: 'Download your file',
    javaScript,
  });
  const link = session.page.getByRole('link', { name: 'Download this PDF (1.2MB) to your device' });
  expect(await link.getAttribute('href')).toBe(FILE_URL);
  expect(await link.getAttribute('download')).not.toBeNull();
  expect(await link.getAttribute('rel')).toBe('noreferrer');
}

describe('the recipient journey in Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  it('confirms the email address (wrong, empty, then right) and reaches the download page', async () => {
    harness.documentApi.handler = documentApi(true);
    const session = await openSession();
    const { page, context } = session;
    try {
      await navigate(session, (p) => p.goto(`${harness.baseUrl}${LANDING_PATH}?key=${KEY}`));
      await checkPage(page, session.watcher, {
        name: 'landing-confirm',
        status: 200,
        heading: 'You have a file to download',
      });
      expect(await page.locator('main').innerText()).toContain(
        'Apply for a licence sent you a file to download.',
      );

      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      expect(new URL(page.url()).pathname).toBe(CONFIRM_PATH);
      await checkPage(page, session.watcher, {
        name: 'confirm-email',
        status: 200,
        heading: 'Confirm your email address',
      });
      const emailField = page.getByLabel('Email address');
      expect(await emailField.getAttribute('type')).toBe('email');
      expect(await emailField.getAttribute('autocomplete')).toBe('email');

      // A wrong address: the API says 403; the error summary explains and takes the focus.
      await emailField.fill(WRONG_EMAIL);
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      await checkPage(page, session.watcher, {
        name: 'confirm-email-wrong-address',
        status: 400,
        heading: 'Confirm your email address',
      });
      expect(await page.title()).toBe('Error: Confirm your email address – GOV.UK');
      const summary = page.locator('.govuk-error-summary');
      expect(await summary.innerText()).toContain('This is not the email address the file was sent to.');
      expect(await summary.innerText()).toContain(
        'To confirm the file was meant for you, enter the email address Apply for a licence sent the file to.',
      );
      expect(await page.locator('.govuk-error-message').count()).toBe(0);
      expect(
        await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
      ).toBe(true);
      expect(authenticateCalls()).toEqual([{ key: KEY, email_address: WRONG_EMAIL }]);

      // An empty address: a field error, in the summary and by the field; nothing goes upstream.
      await page.getByLabel('Email address').fill('   ');
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      await checkPage(page, session.watcher, {
        name: 'confirm-email-empty',
        status: 400,
        heading: 'Confirm your email address',
      });
      expect(await summary.innerText()).toContain('There is a problem');
      const summaryLink = summary.getByRole('link', { name: 'Enter your email address' });
      expect(await summaryLink.getAttribute('href')).toBe('#email_address');
      expect(await textOf(page, '.govuk-error-message')).toBe('Error: Enter your email address');
      expect(
        await page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')),
      ).toBe(true);
      expect(authenticateCalls()).toHaveLength(1);
      // GOV.UK Frontend's ErrorSummary moves the focus to the field when its link is followed.
      await summaryLink.click();
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('email_address');

      // The right address: a cookie for the file's path, then the download page.
      await page.getByLabel('Email address').fill(`  ${RIGHT_EMAIL} `);
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      expect(new URL(page.url()).pathname).toBe(DOWNLOAD_PATH);
      await expectDownloadPage(session, 'download-after-confirm', true);
      expect(authenticateCalls().at(-1)).toEqual({ key: KEY, email_address: RIGHT_EMAIL });

      const cookie = (await context.cookies()).find((c) => c.name === 'document_access_signed_data');
      expect(cookie).toMatchObject({
        value: SIGNED_DATA,
        httpOnly: true,
        path: FILE_PATH,
        domain: '127.0.0.1',
      });
      expect(await page.evaluate(() => document.cookie)).not.toContain('document_access_signed_data');
    } finally {
      await context.close();
    }
  });

  it('goes straight from the landing page to the download page when no confirmation is needed', async () => {
    harness.documentApi.handler = documentApi(false);
    const session = await openSession();
    try {
      await navigate(session, (p) => p.goto(`${harness.baseUrl}${LANDING_PATH}?key=${KEY}`));
      await checkPage(session.page, session.watcher, {
        name: 'landing-no-confirm',
        status: 200,
        heading: 'You have a file to download',
      });
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      expect(new URL(session.page.url()).pathname).toBe(DOWNLOAD_PATH);
      await expectDownloadPage(session, 'download-no-confirm', true);
      expect(authenticateCalls()).toEqual([]);
      expect(await session.context.cookies()).toEqual([]);
    } finally {
      await session.context.close();
    }
  });

  it('works with JavaScript disabled: the form submits and the journey completes', async () => {
    harness.documentApi.handler = documentApi(true);
    const session = await openSession(false);
    const { page, context } = session;
    try {
      await navigate(session, (p) => p.goto(`${harness.baseUrl}${LANDING_PATH}?key=${KEY}`));
      await checkPage(page, session.watcher, {
        name: 'nojs-landing',
        status: 200,
        heading: 'You have a file to download',
        javaScript: false,
      });
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      await checkPage(page, session.watcher, {
        name: 'nojs-confirm-email',
        status: 200,
        heading: 'Confirm your email address',
        javaScript: false,
      });

      await page.getByLabel('Email address').fill(WRONG_EMAIL);
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      await checkPage(page, session.watcher, {
        name: 'nojs-confirm-email-wrong-address',
        status: 400,
        heading: 'Confirm your email address',
        javaScript: false,
      });
      expect(await page.locator('.govuk-error-summary').innerText()).toContain(
        'This is not the email address the file was sent to.',
      );

      await page.getByLabel('Email address').fill(RIGHT_EMAIL);
      await navigate(session, (p) => p.getByRole('button', { name: 'Continue' }).click());
      expect(new URL(page.url()).pathname).toBe(DOWNLOAD_PATH);
      await expectDownloadPage(session, 'nojs-download', false);
      expect(authenticateCalls().map((call) => call.email_address)).toEqual([WRONG_EMAIL, RIGHT_EMAIL]);
      const cookie = (await context.cookies()).find((c) => c.name === 'document_access_signed_data');
      expect(cookie).toMatchObject({ value: SIGNED_DATA, httpOnly: true, path: FILE_PATH });
    } finally {
      await context.close();
    }
  });
});
