import { describe, expect, it } from 'vitest';
import { loggableQueryNames } from '../../src/common/redact.js';
import { contentFor } from '../../src/frontend/content.js';
import { parseAvailableUntil, ukToday } from '../../src/frontend/format.js';
import {
  otherLanguage,
  parseLanguage,
  sameTargetInLanguage,
  withChosenLanguage,
} from '../../src/frontend/language.js';

const en = contentFor('en');
const cy = contentFor('cy');
const date = (iso: string) => parseAvailableUntil(iso) as Date;
const today = ukToday(new Date('2022-10-10T12:00:00Z'));

describe('file size', () => {
  it.each([
    [0, '0.1KB'],
    [51, '0.1KB'],
    [100, '0.1KB'],
    [1024, '1KB'],
    [1126, '1.1KB'],
    [2048, '2KB'],
    [12_390, '12.1KB'],
    [51_199, '50KB'],
    [52_429, '0.1MB'],
    [734_003, '0.7MB'],
    [1_258_291, '1.2MB'],
    [2 * 1024 * 1024, '2MB'],
  ])('%i bytes reads "%s" in both languages', (bytes, expected) => {
    expect(en.fileSize(bytes)).toBe(expected);
    expect(cy.fileSize(bytes)).toBe(expected);
  });
});

describe('download link sentence', () => {
  it.each([
    ['pdf', 'Download this PDF (1KB) to your device', 'Lawrlwythwch y PDF hwn (1KB) i’ch dyfais'],
    ['csv', 'Download this CSV file (1KB) to your device', 'Lawrlwythwch y ffeil CSV hon (1KB) i’ch dyfais'],
    [
      'txt',
      'Download this text file (1KB) to your device',
      'Lawrlwythwch y ffeil destun hon (1KB) i’ch dyfais',
    ],
    [
      'json',
      'Download this JSON file (1KB) to your device',
      'Lawrlwythwch y ffeil JSON hon (1KB) i’ch dyfais',
    ],
    [
      'doc',
      'Download this Microsoft Word document (1KB) to your device',
      'Lawrlwythwch y ddogfen Microsoft Word hon (1KB) i’ch dyfais',
    ],
    [
      'docx',
      'Download this Microsoft Word document (1KB) to your device',
      'Lawrlwythwch y ddogfen Microsoft Word hon (1KB) i’ch dyfais',
    ],
    [
      'xlsx',
      'Download this Microsoft Excel spreadsheet (1KB) to your device',
      'Lawrlwythwch y daenlen Microsoft Excel hon (1KB) i’ch dyfais',
    ],
    [
      'odt',
      'Download this text file (1KB) to your device',
      'Lawrlwythwch y ffeil destun hon (1KB) i’ch dyfais',
    ],
    [
      'rtf',
      'Download this text file (1KB) to your device',
      'Lawrlwythwch y ffeil destun hon (1KB) i’ch dyfais',
    ],
    [
      'jpg',
      'Download this JPEG file (1KB) to your device',
      'Lawrlwythwch y ffeil JPEG hon (1KB) i’ch dyfais',
    ],
    [
      'jpeg',
      'Download this JPEG file (1KB) to your device',
      'Lawrlwythwch y ffeil JPEG hon (1KB) i’ch dyfais',
    ],
    ['png', 'Download this PNG file (1KB) to your device', 'Lawrlwythwch y ffeil PNG hon (1KB) i’ch dyfais'],
    ['PDF', 'Download this PDF (1KB) to your device', 'Lawrlwythwch y PDF hwn (1KB) i’ch dyfais'],
    ['zip', 'Download this file (1KB) to your device', 'Lawrlwythwch y ffeil hon (1KB) i’ch dyfais'],
    ['', 'Download this file (1KB) to your device', 'Lawrlwythwch y ffeil hon (1KB) i’ch dyfais'],
  ])('for %j', (extension, english, welsh) => {
    expect(en.downloadLinkText(extension, 1024)).toBe(english);
    expect(cy.downloadLinkText(extension, 1024)).toBe(welsh);
  });
});

describe('available until', () => {
  it('is a plain date when more than 30 days away', () => {
    expect(en.availableUntil(date('2022-11-12'), today)).toBe(
      'This file is available to download until 12 November 2022.',
    );
    expect(en.availableUntil(date('2022-11-10'), today)).toBe(
      'This file is available to download until 10 November 2022.',
    );
    expect(cy.availableUntil(date('2022-11-12'), today)).toBe(
      'Mae’r ffeil hon ar gael i’w lawrlwytho tan 12 Tachwedd 2022.',
    );
  });

  it('names the weekday when 30 days or fewer away, mutated after “tan” in Welsh', () => {
    expect(en.availableUntil(date('2022-11-09'), today)).toBe(
      'This file is available to download until Wednesday 9 November 2022.',
    );
    expect(en.availableUntil(date('2022-10-10'), today)).toBe(
      'This file is available to download until Monday 10 October 2022.',
    );
    expect(cy.availableUntil(date('2022-11-09'), today)).toBe(
      'Mae’r ffeil hon ar gael i’w lawrlwytho tan ddydd Mercher 9 Tachwedd 2022.',
    );
    expect(cy.availableUntil(date('2022-10-16'), today)).toBe(
      'Mae’r ffeil hon ar gael i’w lawrlwytho tan ddydd Sul 16 Hydref 2022.',
    );
  });
});

describe('a sentence with a link in it', () => {
  it('escapes the text and the values, and places the link where the catalogue puts it', () => {
    expect(
      en.linked(
        'contact.link',
        { serviceName: '<b>&"' },
        { href: 'https://x.example/?a=1&b="2"', external: true },
      ),
    ).toBe(
      'If you have any questions, <a class="govuk-link" href="https://x.example/?a=1&amp;b=&quot;2&quot;" rel="noreferrer">contact &lt;b&gt;&amp;&quot;</a>.',
    );
    expect(cy.linked('contact.email', { address: 'a@b.example' }, { href: 'mailto:a@b.example' })).toBe(
      'Os oes gennych unrhyw gwestiynau, anfonwch e-bost at <a class="govuk-link" href="mailto:a@b.example">a@b.example</a>.',
    );
  });

  it('fills each text with its own values, however often it was filled before', () => {
    for (const name of ['One', 'Two', 'One', '{"x":1}']) {
      expect(cy.t('landing.sentYou', { serviceName: name })).toBe(
        `Mae ${name} wedi anfon ffeil atoch i’w lawrlwytho.`,
      );
    }
    expect(en.t('size.kb', { size: '1' })).toBe('1KB');
    expect(en.t('size.kb', { size: 1 })).toBe('1KB');
  });

  it('prints values as given, never reading them as catalogue syntax', () => {
    const name = '$t(landing.title) {{serviceName}} {{- x}}';
    expect(en.t('landing.sentYou', { serviceName: name })).toBe(`${name} sent you a file to download.`);
    expect(cy.t('errors.gone.body', { serviceName: name })).toBe(
      `Mae’r ffeil a anfonodd ${name} atoch wedi dod i ben neu wedi cael ei dileu.`,
    );
  });

  it('lets no value open or close a link', () => {
    const html = en.linked('contact.link', { serviceName: '\u0002\u0001x' }, { href: '/h' });
    expect(html.match(/<a /g)).toHaveLength(1);
    expect(html.match(/<\/a>/g)).toHaveLength(1);
  });
});

describe('language choice', () => {
  it('knows en and cy, and nothing else', () => {
    expect(parseLanguage('cy')).toBe('cy');
    expect(parseLanguage('en')).toBe('en');
    for (const value of ['CY', 'fr', '', ['cy'], undefined, 1]) expect(parseLanguage(value)).toBeUndefined();
    expect(otherLanguage('cy')).toBe('en');
  });

  it('builds the same address in another language, same-origin whatever the request target', () => {
    expect(sameTargetInLanguage('/d/a/b?key=k&lang=cy', 'en')).toBe('/d/a/b?key=k&lang=en');
    expect(sameTargetInLanguage('/cookies', 'cy')).toBe('/cookies?lang=cy');
    expect(sameTargetInLanguage('//evil.example/x', 'cy')).toBe('/evil.example/x?lang=cy');
    expect(sameTargetInLanguage('/\\evil.example/x', 'cy')).toBe('/evil.example/x?lang=cy');
    expect(sameTargetInLanguage('http://evil.example/x?key=k', 'cy')).toBe('/x?key=k&lang=cy');
    expect(sameTargetInLanguage('/x?a=<script>', 'cy')).toBe('/x?a=%3Cscript%3E&lang=cy');
  });

  it('gives what URLSearchParams gives, for journey links and for anything else', () => {
    const throughSearchParams = (target: string, language: string) => {
      const [path, query = ''] = target.split('?');
      const params = new URLSearchParams(query);
      params.set('lang', language);
      return `${path}?${params.toString()}`;
    };
    for (const target of [
      '/d/AbC-_1/x_Y-2?key=Zz09-_',
      '/d/a/b?key=',
      '/d/a/b?key=k&x=1&x=2',
      '/d/a/b?language=en&key=k',
      '/d/a/b?key=k&lang=en&lang=cy',
      '/d/a/b?lang=en&key=k',
      '/d/a/b?key=k&lang=',
      '/d/a/b?key=a+b',
      '/d/a/b?key=a%2Fb',
      '/d/a/b?key',
      '/d/a/b?a=1&&b=2',
      '/d/a/b?key=k.v*',
      '/assets/app.css?key=k',
    ]) {
      expect(sameTargetInLanguage(target, 'cy')).toBe(throughSearchParams(target, 'cy'));
    }
  });

  it('is a query name the access log may name (its value is never logged)', () => {
    expect(loggableQueryNames('/d/a/b?key=secret&lang=cy&x=1')).toEqual(['key', 'lang', 'other']);
  });

  it('carries a chosen language on a journey link, and nothing when none was chosen', () => {
    expect(withChosenLanguage('/d/a/b?key=k', 'cy')).toBe('/d/a/b?key=k&lang=cy');
    expect(withChosenLanguage('/d/a/b?key=k', undefined)).toBe('/d/a/b?key=k');
  });
});

describe('plural rules for Welsh, should a counted text be added', () => {
  it('has the six categories i18next suffixes keys with', () => {
    const rules = new Intl.PluralRules('cy');
    expect([0, 1, 2, 3, 6, 4].map((n) => rules.select(n))).toEqual([
      'zero',
      'one',
      'two',
      'few',
      'many',
      'other',
    ]);
  });
});
