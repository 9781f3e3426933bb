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

// A page's per-request values (links with the key, the CSRF token) are filled into a body rendered once per
// template, language and context (views.ts, BodyPlans): the page must be what Nunjucks renders with them.
describe('page bodies filled with per-request values', () => {
  const awkward = `&"'<>\\ \u00030\u0003 é`;
  const service = { name: `Service ${awkward}`, contactLink: 'https://example.gov.uk/contact' };
  const pages: [string, Record<string, unknown>, Record<string, string | undefined>][] = [
    ['pages/landing.njk', {}, { continueUrl: `/d/a/b/download?key=k&x=${awkward}` }],
    [
      'pages/download.njk',
      {},
      {
        expirySentence: `Until ${awkward}`,
        directFileUrl: `https://x/${awkward}`,
        downloadLinkText: awkward,
      },
    ],
    [
      'pages/download.njk',
      {},
      { directFileUrl: 'https://x/f', downloadLinkText: 'Download', expirySentence: '' },
    ],
    ['pages/confirm-email.njk', {}, { formAction: `/c?${awkward}`, csrfToken: awkward, emailAddress: '' }],
    [
      'pages/confirm-email.njk',
      {
        fieldError: 'Enter a real email address',
        errorSummary: {
          titleText: 'There is a problem',
          errorList: [{ text: 'Enter it', href: '#email_address' }],
        },
        hasErrors: true,
      },
      { formAction: '/c?key=k', csrfToken: 'token', emailAddress: awkward },
    ],
    ['pages/too-many-attempts.njk', {}, { confirmUrl: awkward }],
  ];

  it.each(pages)(
    'renders %s as Nunjucks does, in both languages, first time and after',
    (page, extra, values) => {
      for (const language of ['en', 'cy']) {
        for (const contactLink of [service.contactLink, 'help@example.gov.uk', '0300 123 4567']) {
          const context = {
            service: { ...service, contactLink },
            contact: contactFor(contactLink),
            language,
            cspNonce: 'n',
            ...extra,
          };
          const direct = render(page, { ...context, ...values });
          expect(render(page, context, values)).toBe(direct);
          expect(render(page, context, values)).toBe(direct);
          const other = Object.fromEntries(
            Object.entries(values).map(([name, value]) => [name, value && `${value}2`]),
          );
          expect(render(page, context, other)).toBe(render(page, { ...context, ...other }));
        }
      }
    },
  );
});

describe('page renderer, as bytes', () => {
  it('gives the UTF-8 of the same page, in both languages, with the toggle and per-request values', () => {
    const pages: [string, Record<string, unknown>, Record<string, string>?][] = [
      [
        'pages/landing.njk',
        {
          service: { name: 'Gwasanaeth – “Ŵyl” & <test>', contactLink: 'https://example.gov.uk/contact' },
          contact: contactFor('https://example.gov.uk/contact'),
          cspNonce: 'nonce-bytes',
          language: 'cy',
          alternateUrl: '/d/a/b?key=k&lang=en',
        },
        { continueUrl: '/d/a/b/download?key=k"<&' },
      ],
      ['errors/404.njk', { cspNonce: 'nonce-404' }],
    ];
    for (const [template, context, perRequest] of pages) {
      const bytes = render.bytes(template, context, perRequest);
      expect(bytes.equals(Buffer.from(render(template, context, perRequest), 'utf8'))).toBe(true);
      expect(bytes.toString('utf8')).toContain(String(context.cspNonce));
    }
  });
});
