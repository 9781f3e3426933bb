import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/recording-server.js';
import {
  BROWSER_TEST_TIMEOUT_MS,
  type PageWatcher,
  axeViolations,
  axeViolationsWithoutJavaScript,
} from '../helpers/browser.js';
import { CONFIRM_PATH, KEY, LANDING_PATH, documentJson } from '../helpers/frontend-harness.js';
import { type BrowserSession, navigate, setUpBrowserTest } from './fixture.js';
import { checkPage, textOf } from './page-checks.js';

const { harness, openSession } = setUpBrowserTest({
  DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://localhost:7000',
});
// One page for the whole file, its cookies cleared before each test.
let session: BrowserSession | undefined;
let page: Page;
let watcher: PageWatcher;

beforeEach(async () => {
  session ??= await openSession();
  ({ page, watcher } = session);
  await session.context.clearCookies();
});

async function open(path: string): Promise<void> {
  watcher.clear();
  await page.goto(harness.baseUrl + path, { waitUntil: 'load' });
}

async function submitAndWait(action: () => Promise<unknown>): Promise<void> {
  if (!session) throw new Error('no browser session');
  await navigate(session, () => action());
}

/** A document API whose /check says `checkStatus` (with a document needing confirmation when 200). */
function documentApi(checkStatus: number, authenticateStatus = 200) {
  return (request: RecordedRequest) => {
    if (request.url.includes('/check')) {
      return checkStatus === 200
        ? { status: 200, json: documentJson({ confirm_email: true }) }
        : { status: checkStatus, json: { error: 'upstream says no' } };
    }
    return { status: authenticateStatus, json: { error: 'upstream says no' } };
  };
}

const landing = `${LANDING_PATH}?key=${KEY}`;

describe('unavailable files and error pages in Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  it('shows "Page not found" with the sender\'s contact details when the API does not know the file', async () => {
    harness.documentApi.handler = documentApi(404);
    await open(landing);
    await checkPage(page, watcher, { name: 'file-not-found', status: 404, heading: 'Page not found' });
    expect(await textOf(page, 'main')).toContain(
      'If you selected a link in an email, the file may have expired or been deleted.',
    );
    expect(await page.getByRole('link', { name: 'contact Apply for a licence' }).getAttribute('href')).toBe(
      'https://example.gov.uk/contact',
    );
  });

  it('shows "No longer available" when the file has gone', async () => {
    harness.documentApi.handler = documentApi(410);
    await open(landing);
    await checkPage(page, watcher, { name: 'file-gone', status: 410, heading: 'No longer available' });
    expect(await textOf(page, 'main')).toContain(
      'The file Apply for a licence sent you has expired or been deleted.',
    );
  });

  it('shows "Cannot access document" after too many attempts, with a way back to the form', async () => {
    harness.documentApi.handler = documentApi(200, 429);
    await open(`${CONFIRM_PATH}?key=${KEY}`);
    await page.getByLabel('Email address').fill('recipient@example.com');
    await submitAndWait(() => page.getByRole('button', { name: 'Continue' }).click());
    await checkPage(page, watcher, {
      name: 'too-many-attempts',
      status: 429,
      heading: 'Cannot access document',
    });
    expect(await textOf(page, 'main')).toContain(
      'There have been too many attempts to access this document recently. Please try again in a few minutes.',
    );
    await submitAndWait(() =>
      page.getByRole('link', { name: 'Go back to confirm your email address' }).click(),
    );
    expect(await textOf(page, 'h1')).toBe('Confirm your email address');
    expect(new URL(page.url()).search).toBe(`?key=${KEY}`);
  });

  it('re-renders the form with a "try again" summary when the CSRF token is missing', async () => {
    harness.documentApi.handler = documentApi(200);
    await open(`${CONFIRM_PATH}?key=${KEY}`);
    await page.locator('input[name="csrf_token"]').evaluate((input) => input.remove());
    await page.getByLabel('Email address').fill('recipient@example.com');
    await submitAndWait(() => page.getByRole('button', { name: 'Continue' }).click());
    await checkPage(page, watcher, {
      name: 'confirm-email-csrf',
      status: 400,
      heading: 'Confirm your email address',
    });
    expect(await textOf(page, '.govuk-error-summary')).toContain('Your form could not be sent. Try again.');
    expect(harness.documentApi.requests.filter((r) => r.url.endsWith('/authenticate'))).toEqual([]);
  });

  it('shows the generic "Page not found" page for an unknown address', async () => {
    await open('/no-such-page');
    await checkPage(page, watcher, { name: 'not-found', status: 404, heading: 'Page not found' });
    expect(await textOf(page, 'main')).toContain(
      'If you selected a link in an email, contact the sender to tell them you cannot download your file.',
    );
  });

  it('shows the problem page when the document API fails', async () => {
    harness.documentApi.handler = documentApi(500);
    await open(landing);
    await checkPage(page, watcher, {
      name: 'server-error',
      status: 500,
      heading: 'Sorry, there’s a problem with the service',
    });
    expect(await textOf(page, 'main')).toContain(
      'You cannot download your file at the moment. Try again later.',
    );
    expect(await textOf(page, 'main')).not.toContain('upstream says no');
  });
});

describe('the browser checks themselves', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  it('see a CSP violation on a real page as a problem', async () => {
    harness.documentApi.handler = documentApi(200);
    await open(landing);
    expect(watcher.problems()).toEqual([]);
    // An inline script without the page's nonce: the CSP must refuse it, and the watcher must notice.
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'document.title = "injected"';
      document.body.append(script);
    });
    await expect
      .poll(() => watcher.problems().join('\n'), { timeout: 10_000 })
      .toMatch(/Content Security Policy/);
    expect(await page.title()).not.toBe('injected');
  });

  it('report axe violations, with and without JavaScript', async () => {
    harness.documentApi.handler = documentApi(200);
    const addUnlabelledInput = () => {
      const input = document.createElement('input');
      input.type = 'text';
      document.querySelector('main')?.append(input);
    };
    // (The unchanged pages are shown clean by every other test.)
    await open(landing);
    await page.evaluate(addUnlabelledInput);
    expect((await axeViolations(page)).join('\n')).toMatch(/^label /m);

    const { context: noJsContext, page: noJsPage } = await openSession(false);
    try {
      await noJsPage.goto(harness.baseUrl + landing, { waitUntil: 'load' });
      await noJsPage.evaluate(addUnlabelledInput);
      expect((await axeViolationsWithoutJavaScript(noJsPage)).join('\n')).toMatch(/^label /m);
    } finally {
      await noJsContext.close();
    }
  });
});
