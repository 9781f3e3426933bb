// The set-up every browser test file shares: the frontend on a real port against recording upstreams, one
// Chromium for the file, and sessions (a context and its watched page) opened from it.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { PageWatcher, launchChromium } from '../helpers/browser.js';
import { type FrontendHarness, setUpFrontendTest } from '../helpers/frontend-harness.js';

/** One browser context with one page, and what happens in that page. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  watcher: PageWatcher;
}

export interface BrowserTest {
  harness: FrontendHarness;
  /** A new context (JavaScript on unless told otherwise); the caller closes it, or it ends with the browser. */
  openSession(javaScriptEnabled?: boolean): Promise<BrowserSession>;
}

/**
 * Registers the file's hooks: the frontend harness with `env`, and Chromium launched once for the file and
 * closed after it. A missing Chromium fails every test with what to install, rather than skipping them.
 */
export function setUpBrowserTest(env: Record<string, string>): BrowserTest {
  const harness = setUpFrontendTest(env);
  let browser: Browser | undefined;
  let launchFailure: unknown;

  beforeAll(async () => {
    try {
      browser = await launchChromium();
    } catch (error) {
      launchFailure = error;
    }
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(() => {
    if (launchFailure) throw launchFailure;
  });

  return {
    harness,
    async openSession(javaScriptEnabled = true) {
      if (launchFailure) throw launchFailure;
      if (!browser) throw new Error('Chromium is not running yet: open sessions in a test or a beforeEach');
      const context = await browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      return { context, page, watcher: new PageWatcher(page) };
    },
  };
}

/** Runs something that makes the page navigate, and waits for the new page to load. */
export async function navigate(
  { page, watcher }: BrowserSession,
  action: (page: Page) => Promise<unknown>,
): Promise<void> {
  watcher.clear();
  const loaded = page.waitForEvent('load');
  await action(page);
  await loaded;
}
