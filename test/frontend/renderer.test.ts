// The renderer reuses the macros a page imports (views.ts, reuseMacroImports): a page must render the same
// whatever was rendered before it, and each render must show its own data, never an earlier page's.
import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { contactFor } from '../../src/frontend/format.js';
import { createRenderer, loadAssetUrls } from '../../src/frontend/views.js';

const render = createRenderer(loadAssetUrls());
const landing = (name: string, contactLink: string, continueUrl: string) =>
  render('pages/landing.njk', {
    service: { name, contactLink },
    contact: contactFor(contactLink),
    continueUrl,
    cspNonce: 'nonce-one',
  });
const confirmEmail = (fieldError?: string) =>
  render('pages/confirm-email.njk', {
    service: { name: 'Other service' },
    hasErrors: fieldError !== undefined,
    errorSummary: fieldError
      ? { titleText: 'There is a problem', errorList: [{ text: fieldError }] }
      : undefined,
    fieldError,
    cspNonce: 'nonce-two',
  });
/** The error message shown by the email field, as a screen reader reads it. */
const fieldErrorOf = (html: string) => load(html)('#email_address-error').text().trim();

describe('page renderer with reused macro imports', () => {
  it('renders a page the same before and after other pages used the same macros', () => {
    const first = landing('Apply for a licence', 'https://example.gov.uk/contact', '/d/a/b/download?key=k1');
    expect(fieldErrorOf(confirmEmail('Enter your email address'))).toBe('Error: Enter your email address');
    render('errors/file-gone.njk', { service: { name: 'Other service' }, cspNonce: 'nonce-three' });
    const again = landing('Apply for a licence', 'https://example.gov.uk/contact', '/d/a/b/download?key=k1');
    expect(again).toBe(first);
  });

  it('shows each render its own data through the shared macros', () => {
    const one = landing('Service One', 'one@example.gov.uk', '/d/1/1/download?key=first');
    const two = landing('Service Two', '0300 123 4567', '/d/2/2/confirm-email-address?key=second');
    expect(one).toContain('Service One');
    expect(one).toContain('href="/d/1/1/download?key=first"');
    expect(one).toContain('mailto:one@example.gov.uk');
    expect(two).toContain('Service Two');
    expect(two).toContain('href="/d/2/2/confirm-email-address?key=second"');
    expect(two).toContain('call 0300 123 4567');
    for (const leftover of ['Service One', 'first', 'mailto:']) expect(two).not.toContain(leftover);

    expect(fieldErrorOf(confirmEmail('Enter your email address'))).toBe('Error: Enter your email address');
    const withoutError = confirmEmail();
    expect(fieldErrorOf(withoutError)).toBe('');
    expect(withoutError).not.toContain('govuk-error-message');
  });
});
