// Every recipient page in English and in Welsh: the language chosen by the link's `lang`, else by the document,
// else English; every word from that language's catalogue; a toggle to the same page in the other language.
import type { CheerioAPI } from 'cheerio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { documentApiPaths } from '../../src/common/routes.js';
import { loadCatalogue } from '../../src/frontend/content.js';
import {
  CONFIRM_PATH,
  DOCUMENT_ID,
  documentJson,
  DOWNLOAD_PATH,
  FrontendHarness,
  KEY,
  LANDING_PATH,
  pageTitle,
  parseHtml,
  SERVICE_ID,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import { formBody, formSession } from '../helpers/forms.js';

const harness = setUpFrontendTest();

type Language = 'en' | 'cy';
const RIGHT_EMAIL = 'recipient@example.com';
const DIRECT_FILE_URL = `http://download.example.gov.uk${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID, 'pdf')}?key=${KEY}`;

function leaves(tree: Record<string, unknown>, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string') found.set(key, value);
    else for (const [k, v] of leaves(value as Record<string, unknown>, key)) found.set(k, v);
  }
  return found;
}
const CATALOGUES = { en: leaves(loadCatalogue('en')), cy: leaves(loadCatalogue('cy')) };

/**
 * The fixed wording of one language's catalogue that the other language never uses: each text cut at its
 * placeholders, leaving out texts the same in both (English / Cymraeg, sizes) and fragments too short to be
 * words of a sentence.
 */
function sentencesOnlyIn(language: Language): string[] {
  const otherTexts = [...CATALOGUES[language === 'en' ? 'cy' : 'en'].values()].join('\n');
  const fragments = new Set<string>();
  for (const value of CATALOGUES[language].values()) {
    for (const fragment of value.split(/\{\{\w+\}\}/)) {
      const words = fragment
        .trim()
        .replace(/^[.,:()]+|[.,:()]+$/g, '')
        .trim();
      // Names both languages use (AbilityNet, English, Cymraeg) and sizes are no sign of the wrong language.
      if (words.length >= 5 && !otherTexts.includes(words)) fragments.add(words);
    }
  }
  return [...fragments];
}
const ONLY = { en: sentencesOnlyIn('en'), cy: sentencesOnlyIn('cy') };
const KEY_NAME = new RegExp(`\\b(?:${Object.keys(loadCatalogue('en')).join('|')})\\.[a-zA-Z]`);

/** All a reader can meet on the page: its title, its text, and its labels for assistive technology. */
function readableText($: CheerioAPI): string {
  const labels = $('[aria-label]')
    .map((_index, element) => $(element).attr('aria-label'))
    .get()
    .join(' ');
  return `${pageTitle($)} ${textOf($('body'))} ${labels}`.replace(/\s+/g, ' ');
}

/** The page is in `language` through and through: `<html lang>`, and none of the other language's sentences. */
function expectPageIn(language: Language, html: string): CheerioAPI {
  const $ = parseHtml(html);
  expect($('html').attr('lang')).toBe(language);
  const text = readableText($);
  const foreign = ONLY[language === 'en' ? 'cy' : 'en'].filter((sentence) => text.includes(sentence));
  expect(foreign).toEqual([]);
  // No text missing from the catalogue (i18next shows a missing key's name), and some of its own words.
  expect(text).not.toMatch(KEY_NAME);
  expect(ONLY[language].filter((sentence) => text.includes(sentence)).length).toBeGreaterThan(2);
  return $;
}

function withQuery(path: string, language: Language | undefined): string {
  return language ? `${path}${path.includes('?') ? '&' : '?'}lang=${language}` : path;
}

const LANDING = `${LANDING_PATH}?key=${KEY}`;
const CONFIRM = `${CONFIRM_PATH}?key=${KEY}`;
const DOWNLOAD = `${DOWNLOAD_PATH}?key=${KEY}`;

function confirmingDocument(
  authenticate: () => { status: number; json: unknown } = () => ({
    status: 403,
    json: { error: 'Authentication failure' },
  }),
): void {
  harness.documentApi.handler = (request) => {
    if (request.url.endsWith('/authenticate')) {
      const { email_address: email } = JSON.parse(request.body) as { email_address: string };
      return email === RIGHT_EMAIL
        ? { status: 200, json: { signed_data: 'signed.token.value', direct_file_url: DIRECT_FILE_URL } }
        : authenticate();
    }
    return { status: 200, json: documentJson({ confirm_email: true }) };
  };
}

async function post(
  language: Language | undefined,
  email: string,
  session?: { cookie: string; token: string },
) {
  const form = session ?? (await formSession(await harness.fetch(withQuery(CONFIRM, language))));
  return harness.fetch(withQuery(CONFIRM, language), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
    body: formBody({ csrf_token: form.token, email_address: email }),
  });
}

interface PageCase {
  name: string;
  status: number;
  open: (language: Language) => Promise<Response>;
}

const get = (path: string) => (language: Language) => harness.fetch(withQuery(path, language));

const PAGES: PageCase[] = [
  { name: 'landing', status: 200, open: get(LANDING) },
  {
    name: 'confirm',
    status: 200,
    open: (language) => {
      confirmingDocument();
      return harness.fetch(withQuery(CONFIRM, language));
    },
  },
  {
    name: 'confirm with no address',
    status: 400,
    open: (language) => {
      confirmingDocument();
      return post(language, '');
    },
  },
  {
    name: 'confirm with an invalid address',
    status: 400,
    open: (language) => {
      confirmingDocument();
      return post(language, 'not-an-email');
    },
  },
  {
    name: 'confirm with the wrong address',
    status: 400,
    open: (language) => {
      confirmingDocument();
      return post(language, 'someone.else@example.com');
    },
  },
  {
    name: 'confirm with a forged form',
    status: 400,
    open: (language) => {
      confirmingDocument();
      return post(language, RIGHT_EMAIL, { cookie: '', token: 'forged' });
    },
  },
  {
    name: 'too many attempts',
    status: 429,
    open: (language) => {
      confirmingDocument(() => ({ status: 429, json: { error: 'Too many requests' } }));
      return post(language, 'someone.else@example.com');
    },
  },
  { name: 'download with an expiry date', status: 200, open: get(DOWNLOAD) },
  {
    name: 'download with an expiry date within 30 days',
    status: 200,
    open: (language) => {
      harness.documentApi.handler = () => ({
        status: 200,
        json: documentJson({ available_until: '2022-11-09' }),
      });
      return harness.fetch(withQuery(DOWNLOAD, language));
    },
  },
  {
    name: 'download without an expiry date',
    status: 200,
    open: (language) => {
      harness.documentApi.handler = () => ({ status: 200, json: documentJson({ available_until: null }) });
      return harness.fetch(withQuery(DOWNLOAD, language));
    },
  },
  { name: 'page not found', status: 404, open: get('/no/such/page') },
  { name: 'malformed link', status: 404, open: get(`${LANDING_PATH}?key=`) },
  {
    name: 'file not found',
    status: 404,
    open: (language) => {
      harness.documentApi.handler = () => ({ status: 404, json: { error: 'Not found' } });
      return harness.fetch(withQuery(LANDING, language));
    },
  },
  {
    name: 'file gone',
    status: 410,
    open: (language) => {
      harness.documentApi.handler = () => ({ status: 410, json: { error: 'Gone' } });
      return harness.fetch(withQuery(LANDING, language));
    },
  },
  {
    name: 'server error',
    status: 500,
    open: (language) => {
      harness.documentApi.handler = () => ({ status: 500, json: { error: 'boom' } });
      return harness.fetch(withQuery(LANDING, language));
    },
  },
  {
    name: 'service unavailable',
    status: 503,
    open: (language) => {
      harness.documentApi.handler = () => ({ status: 503, json: { error: 'down' } });
      return harness.fetch(withQuery(LANDING, language));
    },
  },
  {
    name: 'bad request (not a form)',
    status: 415,
    open: (language) =>
      harness.fetch(withQuery(CONFIRM, language), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
  },
  { name: 'accessibility statement', status: 200, open: get('/accessibility-statement') },
  { name: 'cookies', status: 200, open: get('/cookies') },
];

describe.each(['en', 'cy'] as const)('every page in %s', (language) => {
  it.each(PAGES)('$name', async ({ status, open }) => {
    const response = await open(language);
    expect(response.status).toBe(status);
    const $ = expectPageIn(language, await response.text());
    // The toggle: the current language as text, the other as a link to the same page in it.
    const toggle = $('nav.govuk-language-navigation');
    expect(toggle).toHaveLength(1);
    expect(textOf(toggle.find('[aria-current="true"]'))).toBe(language === 'en' ? 'English' : 'Cymraeg');
    const other = language === 'en' ? 'cy' : 'en';
    const link = toggle.find('a');
    expect(link).toHaveLength(1);
    expect(link.attr('lang')).toBe(other);
    expect(link.attr('hreflang')).toBe(other);
    expect(new URL(link.attr('href') as string, 'http://x').searchParams.get('lang')).toBe(other);
  });
});

it('answers a request too long to read with the English page, whatever the address asks for', async () => {
  const response = await harness.fetch(`${LANDING}&lang=cy&x=${'a'.repeat(100_000)}`);
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expectPageIn('en', await response.text());
});

describe('the toggle', () => {
  it.each([
    ['landing', LANDING],
    ['download', DOWNLOAD],
    ['accessibility statement', '/accessibility-statement'],
  ])('on the %s page leads to the same page with the same key in the other language', async (_name, path) => {
    const $ = parseHtml(await (await harness.fetch(withQuery(path, 'cy'))).text());
    const href = $('nav.govuk-language-navigation a').attr('href') as string;
    const target = new URL(href, 'http://x');
    const source = new URL(path, 'http://x');
    expect(target.pathname).toBe(source.pathname);
    expect(target.searchParams.get('key')).toBe(source.searchParams.get('key'));
    expect(target.searchParams.get('lang')).toBe('en');
    expectPageIn('en', await (await harness.fetch(href)).text());
  });

  it('never leads to another site, however the address is written', async () => {
    for (const path of ['//evil.example/x?lang=cy', '/\\evil.example/x?lang=cy']) {
      const $ = parseHtml(await (await harness.fetch(path)).text());
      const href = $('nav.govuk-language-navigation a').attr('href') as string;
      expect(href).toMatch(/^\/[^/\\]/);
    }
  });

  it('sets no cookie', async () => {
    const response = await harness.fetch(withQuery(LANDING, 'cy'));
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe('choosing the language', () => {
  it('is English with no lang and a document without a language', async () => {
    expectPageIn('en', await (await harness.fetch(LANDING)).text());
  });

  it('ignores an unknown lang', async () => {
    for (const value of ['fr', 'CY', '', 'cy,en']) {
      expectPageIn('en', await (await harness.fetch(`${LANDING}&lang=${value}`)).text());
    }
  });

  it('opens a document uploaded in Welsh in Welsh with no query, and its links carry no lang', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson({ language: 'cy' }) });
    const $ = expectPageIn('cy', await (await harness.fetch(LANDING)).text());
    expect($('main a.govuk-button').attr('href')).toBe(`${DOWNLOAD_PATH}?key=${KEY}`);
    expectPageIn('cy', await (await harness.fetch(DOWNLOAD)).text());
  });

  it('lets lang=en override the document’s Welsh', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson({ language: 'cy' }) });
    expectPageIn('en', await (await harness.fetch(`${LANDING}&lang=en`)).text());
  });

  it('ignores a language from the API it does not know', async () => {
    harness.documentApi.handler = () => ({ status: 200, json: documentJson({ language: 'fr' }) });
    expectPageIn('en', await (await harness.fetch(LANDING)).text());
  });
});

describe('the chosen language is carried through the journey', () => {
  it('by the landing page’s Continue link to the download page', async () => {
    const $ = parseHtml(await (await harness.fetch(`${LANDING}&lang=cy`)).text());
    expect($('main a.govuk-button').attr('href')).toBe(`${DOWNLOAD_PATH}?key=${KEY}&lang=cy`);
  });

  it('by the Continue link to the confirm page, its form, the redirect to download and the 429 back link', async () => {
    confirmingDocument();
    const landing = parseHtml(await (await harness.fetch(`${LANDING}&lang=cy`)).text());
    expect(landing('main a.govuk-button').attr('href')).toBe(`${CONFIRM}&lang=cy`);
    const form = parseHtml(await (await harness.fetch(`${CONFIRM}&lang=cy`)).text());
    expect(form('main form').attr('action')).toBe(`${CONFIRM}&lang=cy`);

    const accepted = await post('cy', RIGHT_EMAIL);
    expect(accepted.status).toBe(302);
    expect(accepted.headers.get('location')).toBe(`${DOWNLOAD}&lang=cy`);

    confirmingDocument(() => ({ status: 429, json: { error: 'Too many requests' } }));
    const limited = parseHtml(await (await post('cy', 'someone.else@example.com')).text());
    expect(limited('main a').attr('href')).toBe(`${CONFIRM}&lang=cy`);
  });

  it('by the redirect from confirm to download when no confirmation is needed', async () => {
    const response = await harness.fetch(`${CONFIRM}&lang=cy`);
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${DOWNLOAD}&lang=cy`);
  });

  it('by the footer’s links on a Welsh page', async () => {
    const $ = parseHtml(await (await harness.fetch(`${LANDING}&lang=cy`)).text());
    const hrefs = $('footer a')
      .map((_index, a) => $(a).attr('href'))
      .get();
    expect(hrefs).toEqual(['/accessibility-statement?lang=cy', '/cookies?lang=cy']);
  });
});

describe('Welsh wording', () => {
  it('names the weekday after “tan” with its mutation, and the date with cy-GB month names', async () => {
    harness.documentApi.handler = () => ({
      status: 200,
      json: documentJson({ available_until: '2022-11-09' }),
    });
    const main = textOf(parseHtml(await (await harness.fetch(`${DOWNLOAD}&lang=cy`)).text())('main'));
    expect(main).toContain('Mae’r ffeil hon ar gael i’w lawrlwytho tan ddydd Mercher 9 Tachwedd 2022.');
    expect(main).toContain('Lawrlwythwch y PDF hwn (1.2MB) i’ch dyfais');
  });

  it('prefixes the title and the field’s hidden error label in Welsh', async () => {
    confirmingDocument();
    const $ = parseHtml(await (await post('cy', '')).text());
    expect(pageTitle($)).toBe('Gwall: Cadarnhewch eich cyfeiriad e-bost – GOV.UK');
    expect(textOf($('#email_address-error'))).toBe('Gwall: Rhowch eich cyfeiriad e-bost');
    expect(textOf($('.govuk-error-summary__title'))).toBe('Mae problem');
  });
});

describe('the wrong-address error, as Notify shows it', () => {
  it.each([
    [
      'en',
      'This is not the email address the file was sent to.',
      'To confirm the file was meant for you, enter the email address Apply for a licence sent the file to.',
    ],
    [
      'cy',
      'Nid hwn yw’r cyfeiriad e-bost yr anfonwyd y ffeil ato.',
      'I gadarnhau mai i chi y bwriadwyd y ffeil, rhowch y cyfeiriad e-bost yr anfonodd Apply for a licence y ffeil ato.',
    ],
  ] as const)(
    'in %s: one item of the summary’s list, no link, a line break between the sentences',
    async (language, first, second) => {
      confirmingDocument();
      const $ = parseHtml(await (await post(language, 'someone.else@example.com')).text());
      const items = $('.govuk-error-summary__list li');
      expect(items).toHaveLength(1);
      expect(items.find('a')).toHaveLength(0);
      expect(items.find('br')).toHaveLength(1);
      const [before, after] = (items.html() as string).split(/<br\s*\/?>/);
      expect(textOf(parseHtml(before as string)('body'))).toBe(first);
      expect(textOf(parseHtml(after as string)('body'))).toBe(second);
      expect($('.govuk-error-summary__body > p')).toHaveLength(0);
    },
  );
});

describe('hostile service names on Welsh pages', () => {
  const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
  it.each([
    ['landing page, with a contact link', 'https://example.gov.uk/contact', 200],
    ['file gone page, with a contact email', 'help@example.gov.uk', 410],
  ])('are escaped on the %s', async (_name, contactLink, status) => {
    harness.serviceDirectory.handler = () => ({
      status: 200,
      json: { data: { name: HOSTILE, contact_link: contactLink } },
    });
    if (status === 410) harness.documentApi.handler = () => ({ status: 410, json: { error: 'Gone' } });
    const response = await harness.fetch(`${LANDING}&lang=cy`);
    expect(response.status).toBe(status);
    const html = await response.text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(textOf(parseHtml(html)('main'))).toContain(HOSTILE);
  });

  it('are escaped in the wrong-address error', async () => {
    confirmingDocument();
    harness.serviceDirectory.handler = () => ({
      status: 200,
      json: { data: { name: HOSTILE, contact_link: 'https://example.gov.uk/contact' } },
    });
    const html = await (await post('cy', 'someone.else@example.com')).text();
    expect(html).not.toContain('<script>alert');
    expect(textOf(parseHtml(html)('.govuk-error-summary__list'))).toContain(HOSTILE);
  });
});

describe('the cookies page', () => {
  it('lists exactly the cookies a whole journey sets', async () => {
    confirmingDocument();
    const set = new Set<string>();
    const record = (response: Response) => {
      for (const cookie of response.headers.getSetCookie()) set.add(cookie.split('=')[0] as string);
      return response;
    };
    record(await harness.fetch(LANDING));
    const form = await formSession(record(await harness.fetch(CONFIRM)));
    const accepted = record(await post(undefined, RIGHT_EMAIL, form));
    expect(accepted.status).toBe(302);
    record(await harness.fetch(DOWNLOAD));

    for (const language of ['en', 'cy'] as const) {
      const $ = parseHtml(await (await harness.fetch(`/cookies?lang=${language}`)).text());
      const listed = $('main table tbody tr')
        .map((_index, row) => textOf($(row).children().first()))
        .get();
      expect(listed.sort()).toEqual([...set].sort());
    }
  });
});

describe('the accessibility statement', () => {
  it('names the operator and its contact from configuration, with dates in the page’s language', async () => {
    const en = textOf(parseHtml(await (await harness.fetch('/accessibility-statement')).text())('main'));
    expect(en).toContain(`These pages are run by ${harness.config.accessibility.operatorName}.`);
    expect(en).toContain(harness.config.accessibility.contactEmail);
    expect(en).toContain('This statement was prepared on 1 December 2026.');
    const cy = textOf(
      parseHtml(await (await harness.fetch('/accessibility-statement?lang=cy')).text())('main'),
    );
    expect(cy).toContain('Paratowyd y datganiad hwn ar 1 Rhagfyr 2026.');
  });
});

describe('the 504 page in Welsh', () => {
  const slow = new FrontendHarness();
  beforeAll(() => slow.start({ HTTP_SERVE_TIMEOUT_SECONDS: '1' }));
  afterAll(() => slow.stop());
  beforeEach(() => slow.reset());

  it('is Welsh when the link chose Welsh', async () => {
    slow.documentApi.handler = () => 'hang';
    const response = await slow.fetch(`${LANDING}&lang=cy`);
    expect(response.status).toBe(504);
    expectPageIn('cy', await response.text());
  });
});
