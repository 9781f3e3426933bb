import type { CheerioAPI } from 'cheerio';
import { describe, expect, it } from 'vitest';
import {
  CONFIRM_PATH,
  documentJson,
  DOWNLOAD_PATH,
  KEY,
  LANDING_PATH,
  pageTitle,
  parseHtml,
  setUpFrontendTest,
  textOf,
} from '../helpers/frontend-harness.js';
import type { Handler } from '../helpers/recording-server.js';

const harness = setUpFrontendTest();

const DOWNLOAD = `${DOWNLOAD_PATH}?key=${KEY}`;
const LANDING = `${LANDING_PATH}?key=${KEY}`;

async function page(path: string): Promise<{ status: number; html: string; $: CheerioAPI }> {
  const response = await harness.fetch(path);
  const html = await response.text();
  return { status: response.status, html, $: parseHtml(html) };
}

/** The paragraph of the main content whose text starts with `start`. */
function paragraph($: CheerioAPI, start: string) {
  return $('main p').filter((_index, element) => textOf($(element)).startsWith(start));
}

/** The main content's links whose text is `name`. */
function linksNamed($: CheerioAPI, name: string) {
  return $('main a').filter((_index, element) => textOf($(element)) === name);
}

function withDocument(overrides: Record<string, unknown>): void {
  harness.documentApi.handler = () => ({ status: 200, json: documentJson(overrides) });
}

function withService(name: string, contactLink: unknown): void {
  harness.serviceDirectory.handler = () => ({
    status: 200,
    json: { data: { name, contact_link: contactLink } },
  });
}

describe('download page', () => {
  it('says until when, what and how big, and links to the file for download', async () => {
    const { status, $ } = await page(DOWNLOAD);
    expect(status).toBe(200);
    expect(pageTitle($)).toBe('Download your file – GOV.UK');
    expect(textOf($('main'))).toContain('This file is available to download until 12 November 2022.');
    expect(textOf($('main'))).toContain('Make sure you save your file somewhere you can find it.');
    const link = $('main a').filter(
      (_index, a) => textOf($(a)) === 'Download this PDF (1.2MB) to your device',
    );
    expect(link).toHaveLength(1);
    expect(link.attr('href')).toMatch(/^http:\/\/download\.example\.gov\.uk\/services\//);
    expect(link.attr('download')).toBe('');
    expect(link.attr('rel')).toBe('noreferrer');
  });

  it('names the weekday when the file expires within 30 days', async () => {
    withDocument({ available_until: '2022-11-09' });
    expect(textOf((await page(DOWNLOAD)).$('main'))).toContain(
      'available to download until Wednesday 9 November 2022.',
    );
  });

  it('still works on the last day', async () => {
    withDocument({ available_until: '2022-10-10' });
    expect(textOf((await page(DOWNLOAD)).$('main'))).toContain('until Monday 10 October 2022.');
  });

  it('says when expiry is unknown', async () => {
    withDocument({ available_until: null });
    const main = textOf((await page(DOWNLOAD)).$('main'));
    expect(main).toContain('File expiry information is temporarily unavailable.');
    expect(main).not.toContain('available to download until');
  });

  it.each([
    ['csv', 2048, 'CSV file (2KB)'],
    ['docx', 12_390, 'Microsoft Word document (12.1KB)'],
    ['xlsx', 40, 'Microsoft Excel spreadsheet (0.1KB)'],
    ['png', 734_003, 'PNG file (0.7MB)'],
    ['zip', 1024, 'file (1KB)'],
  ])('describes a %s file of %i bytes as "%s"', async (extension, size, words) => {
    withDocument({ file_extension: extension, size_in_bytes: size });
    const { $ } = await page(DOWNLOAD);
    expect(textOf($('main a[download]'))).toBe(`Download this ${words} to your device`);
  });
});

describe('contact paragraph', () => {
  it('offers an email address as a mailto link', async () => {
    withService('Tax office', 'help@tax.example.gov.uk');
    const { $ } = await page(LANDING);
    const contact = paragraph($, 'If you have any questions');
    expect(textOf(contact)).toBe('If you have any questions, email help@tax.example.gov.uk.');
    const link = contact.find('a');
    expect(link.attr('href')).toBe('mailto:help@tax.example.gov.uk');
    expect(link.attr('class')).toBe('govuk-link');
    expect(link.text()).toBe('help@tax.example.gov.uk');
  });

  it('offers a web address as a link without a referrer', async () => {
    withService('Tax office', 'https://tax.example.gov.uk/contact');
    const { $ } = await page(LANDING);
    const contact = paragraph($, 'If you have any questions');
    expect(textOf(contact)).toBe('If you have any questions, contact Tax office.');
    const link = contact.find('a');
    expect(link.attr('href')).toBe('https://tax.example.gov.uk/contact');
    expect(link.attr('rel')).toBe('noreferrer');
    expect(link.attr('class')).toBe('govuk-link');
    expect(link.text()).toBe('contact Tax office');
  });

  it('offers anything else as a number to call', async () => {
    withService('Tax office', '0800 123 4567');
    const contact = paragraph((await page(LANDING)).$, 'If you have any questions');
    expect(textOf(contact)).toBe('If you have any questions, call 0800 123 4567.');
    expect(contact.find('a')).toHaveLength(0);
  });

  it('is left out when the service has no contact details', async () => {
    withService('Tax office', null);
    expect(textOf((await page(LANDING)).$('body'))).not.toContain('If you have any questions');
  });

  it('escapes HTML and never links javascript: addresses', async () => {
    withService('<script>alert("name")</script>', 'javascript:alert(1)');
    const { status, html, $ } = await page(LANDING);
    expect(status).toBe(200);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; sent you a file to download.',
    );
    expect($('script').filter((_index, script) => $(script).text().includes('alert'))).toHaveLength(0);
    expect(textOf(paragraph($, '<script>'))).toBe(
      '<script>alert("name")</script> sent you a file to download.',
    );
    expect($('a[href^="javascript:"]')).toHaveLength(0);
    expect(textOf(paragraph($, 'If you have any questions'))).toBe(
      'If you have any questions, call javascript:alert(1).',
    );
  });

  it('escapes HTML inside a contact email address or link', async () => {
    withService('Tax office', 'https://x.example/"><script>alert(1)</script>');
    const { html, $ } = await page(LANDING);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('href="https://x.example/&quot;&gt;&lt;script&gt;');
    expect($('script').filter((_index, script) => $(script).text().includes('alert'))).toHaveLength(0);
    expect(paragraph($, 'If you have any questions').find('a').attr('href')).toBe(
      'https://x.example/"><script>alert(1)</script>',
    );
  });
});

describe('when the file is not available', () => {
  const notFound = 'If you selected a link in an email, the file may have expired or been deleted.';

  it.each([
    ['404', { status: 404, json: { error: 'Not found' } }],
    ['403', { status: 403, json: { error: 'Forbidden' } }],
    ['an old-style 400 about the decryption key', { status: 400, json: { error: 'Missing decryption key' } }],
    ['an old-style 400 saying Forbidden', { status: 400, json: { error: 'Forbidden' } }],
  ])('shows the service-specific 404 page when the API says %s', async (_name, answer) => {
    harness.documentApi.handler = () => answer;
    for (const path of [LANDING, DOWNLOAD, `${CONFIRM_PATH}?key=${KEY}`]) {
      const { status, $ } = await page(path);
      expect(status).toBe(404);
      expect(pageTitle($)).toBe('Page not found – GOV.UK');
      const main = textOf($('main'));
      expect(main).toContain(notFound);
      expect(main).toContain('If you typed the web address, check it is correct.');
      expect(main).toContain('If you pasted the web address, check you copied the entire address.');
      expect(linksNamed($, 'contact Apply for a licence')).toHaveLength(1);
    }
  });

  it.each([
    ['410', { status: 410, json: { error: 'Gone' } }],
    ['{"document": null}', { status: 200, json: { document: null } }],
    [
      'an available_until before today',
      { status: 200, json: documentJson({ available_until: '2022-10-09' }) },
    ],
  ])('shows the 410 page when the API says %s', async (_name, answer) => {
    harness.documentApi.handler = () => answer;
    const { status, $ } = await page(LANDING);
    expect(status).toBe(410);
    expect(pageTitle($)).toBe('No longer available – GOV.UK');
    expect(textOf($('main'))).toContain('The file Apply for a licence sent you has expired or been deleted.');
    expect(linksNamed($, 'contact Apply for a licence')).toHaveLength(1);
  });

  it('shows the plain 404 page when the service does not exist', async () => {
    harness.serviceDirectory.handler = () => ({
      status: 404,
      json: { result: 'error', message: 'No result found' },
    });
    const { status, $ } = await page(LANDING);
    expect(status).toBe(404);
    expect(textOf($('main'))).toContain('contact the sender to tell them you cannot download your file.');
    expect(textOf($('main'))).not.toContain('If you have any questions');
  });
});

describe('when an upstream misbehaves', () => {
  const cases: Array<[string, 'service' | 'document', ReturnType<Handler>]> = [
    ['service directory 500', 'service', { status: 500, json: { error: 'boom' } }],
    ['service directory 401', 'service', { status: 401, json: { error: 'bad token' } }],
    ['service directory malformed JSON', 'service', { status: 200, body: '{"data": ' }],
    ['service directory without a name', 'service', { status: 200, json: { data: { contact_link: 'x' } } }],
    ['document API 500', 'document', { status: 500, json: { error: 'boom' } }],
    ['document API 502 with HTML', 'document', { status: 502, body: '<html>Bad gateway</html>' }],
    [
      'document API 400 about something else',
      'document',
      { status: 400, json: { error: 'Invalid something' } },
    ],
    ['document API 418', 'document', { status: 418, json: {} }],
    ['document API malformed JSON', 'document', { status: 200, body: 'not json' }],
    ['document API without a document', 'document', { status: 200, json: { documents: [] } }],
    [
      'document API with a javascript: file URL',
      'document',
      { status: 200, json: documentJson({ direct_file_url: 'javascript:alert(1)' }) },
    ],
    [
      'document API with a string size',
      'document',
      { status: 200, json: documentJson({ size_in_bytes: '12' }) },
    ],
    ['document API closing the connection', 'document', 'destroy'],
  ];

  it.each(cases)('shows the 500 page for %s, without upstream details', async (_name, which, answer) => {
    const server = which === 'service' ? harness.serviceDirectory : harness.documentApi;
    server.handler = () => answer;
    const { status, html, $ } = await page(LANDING);
    expect(status).toBe(500);
    expect(pageTitle($)).toBe('Sorry, there’s a problem with the service – GOV.UK');
    expect(textOf($('main'))).toContain('You cannot download your file at the moment.');
    expect(textOf($('main'))).toContain('Try again later.');
    expect(html).not.toMatch(/boom|Bad gateway|Invalid something|stack|at .*\.ts/);
  });
});

describe('generic error pages', () => {
  it('answers an unknown address with the 404 page', async () => {
    const { status, $ } = await page('/no/such/page');
    expect(status).toBe(404);
    expect(textOf($('h1'))).toBe('Page not found');
  });
});
