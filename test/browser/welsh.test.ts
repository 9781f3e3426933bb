// Every recipient page in Welsh in Chromium, at a phone's width and a desktop's: axe (WCAG 2.2 A/AA), the
// page checks every page passes, and the language toggle used with the keyboard alone.
import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../helpers/recording-server.js';
import { BROWSER_TEST_TIMEOUT_MS, type PageWatcher } from '../helpers/browser.js';
import { CONFIRM_PATH, DOWNLOAD_PATH, KEY, LANDING_PATH, documentJson } from '../helpers/frontend-harness.js';
import { type BrowserSession, navigate, setUpBrowserTest } from './fixture.js';
import { checkPage, textOf } from './page-checks.js';

const { harness, openSession } = setUpBrowserTest({
  DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://localhost:7000',
});

/** 320 CSS pixels is 1280 at 400 % zoom, the width WCAG's reflow criterion asks pages to work at. */
const WIDTHS = [
  { name: 'mobile', width: 320, height: 640 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;
const RIGHT_EMAIL = 'recipient@example.com';

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

async function act(action: () => Promise<unknown>): Promise<void> {
  if (!session) throw new Error('no browser session');
  await navigate(session, () => action());
}

/** A document API: /check answers `check` (a document needing confirmation when 200); authenticate `auth`. */
function documentApi(check: number, auth = 403, overrides: Record<string, unknown> = {}) {
  return (request: RecordedRequest) => {
    if (request.url.includes('/check')) {
      return check === 200
        ? { status: 200, json: documentJson({ confirm_email: true, ...overrides }) }
        : { status: check, json: { error: 'upstream says no' } };
    }
    const { email_address: email } = JSON.parse(request.body) as { email_address: string };
    if (email === RIGHT_EMAIL) {
      return { status: 200, json: { signed_data: 'signed', direct_file_url: 'http://localhost:7000/file' } };
    }
    return { status: auth, json: { error: 'upstream says no' } };
  };
}

interface WelshPage {
  name: string;
  status: number;
  heading: string;
  /** Brings the browser to the page (after the document API is set up). */
  reach: () => Promise<void>;
  api?: ReturnType<typeof documentApi>;
}

const landing = `${LANDING_PATH}?key=${KEY}&lang=cy`;
const confirm = `${CONFIRM_PATH}?key=${KEY}&lang=cy`;
const download = `${DOWNLOAD_PATH}?key=${KEY}&lang=cy`;

async function submitEmail(email: string): Promise<void> {
  await open(confirm);
  await page.getByLabel('Cyfeiriad e-bost').fill(email);
  await act(() => page.getByRole('button', { name: 'Parhau' }).click());
}

const PAGES: WelshPage[] = [
  { name: 'landing', status: 200, heading: 'Mae gennych ffeil i’w lawrlwytho', reach: () => open(landing) },
  {
    name: 'confirm',
    status: 200,
    heading: 'Cadarnhewch eich cyfeiriad e-bost',
    api: documentApi(200),
    reach: () => open(confirm),
  },
  {
    name: 'confirm-empty',
    status: 400,
    heading: 'Cadarnhewch eich cyfeiriad e-bost',
    api: documentApi(200),
    reach: () => submitEmail(''),
  },
  {
    name: 'confirm-invalid',
    status: 400,
    heading: 'Cadarnhewch eich cyfeiriad e-bost',
    api: documentApi(200),
    reach: () => submitEmail('not-an-email'),
  },
  {
    name: 'confirm-wrong-address',
    status: 400,
    heading: 'Cadarnhewch eich cyfeiriad e-bost',
    api: documentApi(200),
    reach: () => submitEmail('someone.else@example.com'),
  },
  {
    name: 'too-many-attempts',
    status: 429,
    heading: 'Methu cael mynediad at y ddogfen',
    api: documentApi(200, 429),
    reach: () => submitEmail('someone.else@example.com'),
  },
  {
    name: 'download',
    status: 200,
    heading: 'Lawrlwythwch eich ffeil',
    api: documentApi(200, 403, { confirm_email: false, available_until: '2022-11-09' }),
    reach: () => open(download),
  },
  {
    name: 'download-no-expiry',
    status: 200,
    heading: 'Lawrlwythwch eich ffeil',
    api: documentApi(200, 403, { confirm_email: false, available_until: null }),
    reach: () => open(download),
  },
  {
    name: 'not-found',
    status: 404,
    heading: 'Tudalen heb ei chanfod',
    reach: () => open('/no/such/page?lang=cy'),
  },
  {
    name: 'file-not-found',
    status: 404,
    heading: 'Tudalen heb ei chanfod',
    api: documentApi(404),
    reach: () => open(landing),
  },
  {
    name: 'file-gone',
    status: 410,
    heading: 'Nid yw ar gael mwyach',
    api: documentApi(410),
    reach: () => open(landing),
  },
  {
    name: 'server-error',
    status: 500,
    heading: 'Mae’n ddrwg gennym, mae problem gyda’r gwasanaeth',
    api: documentApi(500),
    reach: () => open(landing),
  },
  {
    name: 'unavailable',
    status: 503,
    heading: 'Mae’n ddrwg gennym, nid yw’r gwasanaeth ar gael',
    api: documentApi(503),
    reach: () => open(landing),
  },
  {
    name: 'accessibility-statement',
    status: 200,
    heading: 'Datganiad hygyrchedd',
    reach: () => open('/accessibility-statement?lang=cy'),
  },
  { name: 'cookies', status: 200, heading: 'Cwcis', reach: () => open('/cookies?lang=cy') },
];

describe('every page in Welsh in Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  it.each(PAGES)('$name, at both widths', async ({ name, status, heading, reach, api }) => {
    for (const { name: width, ...size } of WIDTHS) {
      if (api) harness.documentApi.handler = api;
      await page.setViewportSize(size);
      await session?.context.clearCookies();
      await reach();
      expect(await page.locator('html').getAttribute('lang')).toBe('cy');
      await checkPage(page, watcher, { name: `cy-${name}-${width}`, status, heading });
    }
  });

  it.each([
    ['accessibility-statement', '/accessibility-statement', 'Accessibility statement'],
    ['cookies', '/cookies', 'Cookies'],
  ])('the English %s page, at both widths', async (name, path, heading) => {
    for (const { name: width, ...size } of WIDTHS) {
      await page.setViewportSize(size);
      await open(path);
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await checkPage(page, watcher, { name: `en-${name}-${width}`, status: 200, heading });
    }
  });
});

describe('the language toggle with the keyboard', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  /** Tabs from the top of the page until the focus is on the link named `name` (and fails if it never is). */
  async function tabTo(name: string): Promise<void> {
    await page.locator('body').focus();
    for (let presses = 0; presses < 10; presses += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
      if (focused === name) return;
    }
    throw new Error(`the keyboard never reached the "${name}" link`);
  }

  it('leads from Welsh to English and back, keeping the page and its key', async () => {
    harness.documentApi.handler = documentApi(200, 403, { confirm_email: false });
    await page.setViewportSize(WIDTHS[1]);
    await open(landing);
    expect(await textOf(page, 'h1')).toBe('Mae gennych ffeil i’w lawrlwytho');

    await tabTo('English');
    const focused = page.locator(':focus');
    expect(await focused.getAttribute('lang')).toBe('en');
    expect(await focused.getAttribute('hreflang')).toBe('en');
    await act(() => page.keyboard.press('Enter'));
    let url = new URL(page.url());
    expect(url.pathname).toBe(LANDING_PATH);
    expect(url.searchParams.get('key')).toBe(KEY);
    expect(url.searchParams.get('lang')).toBe('en');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await textOf(page, 'h1')).toBe('You have a file to download');
    // The current language is text, not a link.
    expect(await page.getByRole('link', { name: 'English' }).count()).toBe(0);

    await tabTo('Cymraeg');
    await act(() => page.keyboard.press('Enter'));
    url = new URL(page.url());
    expect(url.pathname).toBe(LANDING_PATH);
    expect(url.searchParams.get('key')).toBe(KEY);
    expect(url.searchParams.get('lang')).toBe('cy');
    expect(await textOf(page, 'h1')).toBe('Mae gennych ffeil i’w lawrlwytho');
    expect((await session?.context.cookies())?.map((cookie) => cookie.name)).toEqual([]);
  });
});
