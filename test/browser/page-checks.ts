import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  type PageWatcher,
  axeViolations,
  axeViolationsWithoutJavaScript,
  screenshot,
} from '../helpers/browser.js';

export interface PageExpectations {
  /** Screenshot file name (without .png). */
  name: string;
  /** The HTTP status the page itself was served with. */
  status: number;
  /** The h1 the page must show. */
  heading: string;
  /** False for pages opened in a context with JavaScript disabled. */
  javaScript?: boolean;
}

/**
 * Everything every page must get right in a real browser: the right heading and title, no console errors or
 * CSP violations, no failed subresources, the stylesheet, GOV.UK font and script loaded, GOV.UK Frontend's JS
 * initialised (or not, with JavaScript off), no axe WCAG 2.2 A/AA violations, and a full-page screenshot.
 */
export async function checkPage(page: Page, watcher: PageWatcher, expected: PageExpectations): Promise<void> {
  const javaScript = expected.javaScript ?? true;
  await page.waitForLoadState('load');
  // Let late font and console events arrive before looking at what happened.
  await page.evaluate(() => document.fonts.ready.then(() => undefined));

  expect(watcher.documentStatus(), `status of ${expected.name}`).toBe(expected.status);
  expect(await textOf(page, 'h1')).toBe(expected.heading);
  // An error prefixes the title in the page's language: "Error: " or "Gwall: ".
  expect(await page.title()).toMatch(
    new RegExp(`^((Error|Gwall): )?${escapeRegExp(expected.heading)} – GOV\\.UK$`),
  );

  const stylesheets = watcher.loaded(/^\/assets\/application-[\w-]+\.css$/);
  expect(stylesheets.map((r) => r.status)).toEqual([200]);
  expect(stylesheets[0]?.contentType).toMatch(/^text\/css/);
  const fonts = watcher.loaded(/\/fonts\/[\w-]+\.woff2$/);
  expect(fonts.length).toBeGreaterThan(0);
  expect(fonts.every((r) => r.status === 200)).toBe(true);
  const scripts = watcher.loaded(/^\/assets\/application-[\w-]+\.js$/);
  const bodyClasses = ((await page.locator('body').getAttribute('class')) ?? '').split(/\s+/);
  // The template's inline script marks the body; the application module then initialises the components
  // (GOV.UK Frontend sets data-<module>-init on each one), e.g. the skip link every page has.
  const skipLinkReady = await page
    .locator('[data-module="govuk-skip-link"][data-govuk-skip-link-init]')
    .count();
  if (javaScript) {
    expect(scripts.map((r) => r.status)).toEqual([200]);
    expect(scripts[0]?.contentType).toMatch(/javascript/);
    expect(bodyClasses).toContain('govuk-frontend-supported');
    expect(skipLinkReady, 'GOV.UK Frontend initialised the skip link').toBe(1);
  } else {
    expect(scripts).toEqual([]);
    expect(bodyClasses).not.toContain('govuk-frontend-supported');
    expect(skipLinkReady).toBe(0);
  }

  await screenshot(page, expected.name);
  const violations = javaScript ? await axeViolations(page) : await axeViolationsWithoutJavaScript(page);
  expect(violations, `axe violations on ${expected.name}`).toEqual([]);
  expect(watcher.problems(expected.status), `browser problems on ${expected.name}`).toEqual([]);
}

/** The text of the first element matching the selector, with runs of whitespace made single spaces. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const text = (await page.locator(selector).first().textContent()) ?? '';
  return text.replace(/\s+/g, ' ').trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
