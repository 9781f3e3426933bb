import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { load } from 'cheerio';
import { type Browser, type ConsoleMessage, type Page, type Response, chromium } from 'playwright-core';
import { paths } from '../../src/common/project-files.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Per-test limit: a browser journey on a busy 2-core machine can take well over vitest's default. */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;

/** The WCAG 2.2 A/AA rule sets every page must pass. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export const SCREENSHOT_DIR = join(paths.root, 'test-output', 'screenshots');

/**
 * Debian's Chromium, headless, with a fresh temporary profile (Playwright makes one per launch and deletes it
 * on close). A missing browser is an error that says what to install: the browser tests never skip.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need it. ` +
        'Install it with `apt-get install chromium` (or `make system-deps`), or set CHROMIUM_PATH.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

export interface LoadedResource {
  url: string;
  status: number;
  contentType: string;
}

/**
 * Records what happens in a page while a test drives it: console errors (CSP violations included, Chromium
 * reports them as console errors), uncaught exceptions, failed requests and every response.
 */
export class PageWatcher {
  readonly consoleErrors: { text: string; url: string }[] = [];
  readonly pageErrors: string[] = [];
  readonly failedRequests: string[] = [];
  readonly responses: LoadedResource[] = [];
  /** Responses to the page's own navigations (redirects included), in order. */
  readonly documents: LoadedResource[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        this.consoleErrors.push({
          text: `${message.type()}: ${message.text()}`,
          url: message.location().url,
        });
      }
    });
    page.on('pageerror', (error) => this.pageErrors.push(String(error)));
    page.on('requestfailed', (request) =>
      this.failedRequests.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`),
    );
    page.on('response', (response: Response) => {
      const resource = {
        url: response.url(),
        status: response.status(),
        contentType: response.headers()['content-type'] ?? '',
      };
      const request = response.request();
      if (request.isNavigationRequest() && request.frame() === page.mainFrame())
        this.documents.push(resource);
      else this.responses.push(resource);
    });
  }

  /** Forget what happened so far (call before moving to the next page). */
  clear(): void {
    this.consoleErrors.length = 0;
    this.pageErrors.length = 0;
    this.failedRequests.length = 0;
    this.responses.length = 0;
    this.documents.length = 0;
  }

  /** The status the page now shown was served with. */
  documentStatus(): number | undefined {
    return this.documents.at(-1)?.status;
  }

  /**
   * The problems seen since the last clear. A page served with an error status makes Chromium log one
   * "Failed to load resource" line for the document itself; that one line is expected and allowed.
   */
  problems(documentStatus = 200): string[] {
    const documentUrl = this.page.url();
    const expected = `error: Failed to load resource: the server responded with a status of ${documentStatus}`;
    const consoleProblems = this.consoleErrors
      .filter(
        (entry) => !(documentStatus >= 400 && entry.url === documentUrl && entry.text.startsWith(expected)),
      )
      .map((entry) => `console ${entry.text} (${entry.url})`);
    const badResponses = this.responses
      .filter((response) => response.status >= 400)
      .map((response) => `HTTP ${response.status} for ${response.url}`);
    return [
      ...consoleProblems,
      ...this.pageErrors.map((error) => `page error: ${error}`),
      ...this.failedRequests.map((failure) => `request failed: ${failure}`),
      ...badResponses,
    ];
  }

  /** Subresources that were loaded from the page's origin, by kind. */
  loaded(pattern: RegExp): LoadedResource[] {
    return this.responses.filter((response) => pattern.test(new URL(response.url).pathname));
  }
}

/** Runs axe with the WCAG 2.2 A/AA tags and describes each violation in one line (empty when clean). */
export async function axeViolations(page: Page): Promise<string[]> {
  // options() replaces all options, so it goes before withTags(). Legacy mode runs axe in the page itself
  // (no extra page for finishRun: faster, and the pages have no frames that would need it).
  const results = await new AxeBuilder({ page })
    .options({ resultTypes: ['violations'] })
    .withTags(AXE_TAGS)
    .setLegacyMode(true)
    .analyze();
  const runOnly = results.toolOptions.runOnly;
  if (typeof runOnly !== 'object' || Array.isArray(runOnly) || runOnly.type !== 'tag') {
    throw new Error('axe ran without the WCAG tags');
  }
  return results.violations.map(
    (violation) =>
      `${violation.id} (${violation.impact ?? 'unknown'}): ${violation.help} — ` +
      violation.nodes.map((node) => node.target.join(' ')).join(', '),
  );
}

interface Replay {
  page: Page;
  /** The address and markup the next navigation of the replay page is answered with. */
  address: string;
  html: string;
}

const replays = new WeakMap<Browser, Promise<Replay>>();

/** One JavaScript-enabled replay page per browser (it shares the browser's lifetime, and its asset cache). */
function replayFor(browser: Browser): Promise<Replay> {
  let replay = replays.get(browser);
  if (!replay) {
    replay = (async () => {
      const context = await browser.newContext({ javaScriptEnabled: true });
      const state: Replay = { page: await context.newPage(), address: '', html: '' };
      await state.page.route('**/*', (route) => {
        const request = route.request();
        if (request.isNavigationRequest() && request.url() === state.address) {
          return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: state.html });
        }
        if (request.resourceType() === 'script') return route.abort();
        return route.continue();
      });
      return state;
    })();
    replays.set(browser, replay);
  }
  return replay;
}

/**
 * axe for a page opened with JavaScript disabled. axe cannot run in such a page (its timers never fire), so
 * the page's DOM as it stands, without its script elements, is replayed at the same address in a
 * JavaScript-enabled page: the same markup and styles, still never touched by the page's own JS.
 */
export async function axeViolationsWithoutJavaScript(page: Page): Promise<string[]> {
  const browser = page.context().browser();
  if (!browser) throw new Error('page has no browser');
  const replay = await replayFor(browser);
  // Inline scripts too: GOV.UK's template marks the body as JS-capable from an inline script.
  const $ = load(await page.content());
  $('script').remove();
  replay.html = $.html();
  replay.address = page.url();
  await replay.page.goto(replay.address, { waitUntil: 'load' });
  if (await replay.page.evaluate(() => document.scripts.length > 0)) {
    throw new Error('the replayed page still has scripts');
  }
  return axeViolations(replay.page);
}

/** Saves a full-page PNG under test-output/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
