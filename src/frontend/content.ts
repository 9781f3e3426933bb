// Every word a recipient reads comes from the catalogues in src/frontend/locales/ (one JSON file per
// language, edited by translators without touching code), looked up through i18next.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next from 'i18next';
import { LRUCache } from 'lru-cache';
import { paths } from '../common/project-files.js';
import { daysFromToday } from './format.js';
import { dateInWords } from './date-words.js';
import { type Language, LANGUAGES } from './language.js';

export const LOCALES_DIR = join(paths.views, '..', 'locales');

export type Catalogue = Record<string, unknown>;

export function loadCatalogue(language: Language): Catalogue {
  return JSON.parse(readFileSync(join(LOCALES_DIR, `${language}.json`), 'utf8')) as Catalogue;
}

/** A link that a catalogue sentence wraps around some of its words with `{{linkStart}}…{{linkEnd}}`. */
export interface SentenceLink {
  href: string;
  /** Set on links to other sites: the page address may hold the document key. */
  external?: boolean;
}

/** One language's words, resolved once: pages call these per string, with no lookup of the language. */
export interface Content {
  language: Language;
  /** The catalogue's text for a key, placeholders filled with the values as given (templates escape it). */
  t(key: string, values?: Record<string, unknown>): string;
  /** A sentence with a link inside it, as HTML: the text and values escaped, the link's markup added. */
  linked(key: string, values: Record<string, unknown>, link: SentenceLink): string;
  /** "…available to download until 12 November 2022.", naming the weekday within 30 days, as a sentence. */
  availableUntil(date: Date, today: Date): string;
  /** A calendar date in words: "12 November 2022", "12 Tachwedd 2022". */
  date(date: Date): string;
  /** "12.1KB", "0.7MB". */
  fileSize(bytes: number): string;
  /** "Download this PDF (1.2MB) to your device": one whole sentence per file type. */
  downloadLinkText(fileExtension: string, bytes: number): string;
}

const WEEKDAY_KEYS = [
  'dates.weekdays.sunday',
  'dates.weekdays.monday',
  'dates.weekdays.tuesday',
  'dates.weekdays.wednesday',
  'dates.weekdays.thursday',
  'dates.weekdays.friday',
  'dates.weekdays.saturday',
] as const;

/** Each file type the document API allows, by extension, and the catalogue's sentence for its download link. */
const DOWNLOAD_LINK_KEYS: Readonly<Record<string, string>> = {
  pdf: 'fileTypes.pdf',
  csv: 'fileTypes.csv',
  txt: 'fileTypes.text',
  json: 'fileTypes.json',
  doc: 'fileTypes.word',
  docx: 'fileTypes.word',
  xlsx: 'fileTypes.excel',
  odt: 'fileTypes.text',
  rtf: 'fileTypes.text',
  jpg: 'fileTypes.jpeg',
  jpeg: 'fileTypes.jpeg',
  png: 'fileTypes.png',
};
const OTHER_FILE_KEY = 'fileTypes.other';

/** At most this many texts filled with values are remembered per language (a few MB at most). */
const FILLED_TEXTS_PER_LANGUAGE = 5000;

const LINK_START = '\u0001';
const LINK_END = '\u0002';
// eslint-disable-next-line no-control-regex -- the link markers are control characters so no text can hold them.
const MARKERS = /[\u0001\u0002]/g;

const i18n = i18next.createInstance();
void i18n.init({
  initAsync: false,
  resources: Object.fromEntries(
    LANGUAGES.map((language) => [language, { translation: loadCatalogue(language) }]),
  ),
  supportedLngs: [...LANGUAGES],
  lng: 'en',
  // A missing key shows as the key itself, never as the other language's words.
  fallbackLng: false,
  // The templates escape what they print; values must not be escaped twice.
  interpolation: { escapeValue: false },
  returnNull: false,
});

const contents = new Map<Language, Content>(LANGUAGES.map((language) => [language, buildContent(language)]));

export function contentFor(language: Language): Content {
  return contents.get(language) as Content;
}

function buildContent(language: Language): Content {
  // An i18next lookup costs several microseconds (it merges its options on every call, then interpolates), a
  // tenth of a page's CPU for a dozen texts: a text without placeholders is looked up once and remembered, and
  // one with values is remembered for those values (a service's name recurs on every page it sends). Values go
  // to i18next as `replace`, so none can be read as an option.
  const plainTexts = new Map<string, string>();
  const filledTexts = new LRUCache<string, string>({ max: FILLED_TEXTS_PER_LANGUAGE });
  const t = (key: string, values?: Record<string, unknown>): string => {
    if (values) {
      const cacheKey = `${key}\u0000${JSON.stringify(values)}`;
      let text = filledTexts.get(cacheKey);
      if (text === undefined) {
        text = i18n.t(key, { lng: language, replace: values });
        filledTexts.set(cacheKey, text);
      }
      return text;
    }
    let text = plainTexts.get(key);
    if (text === undefined) {
      text = i18n.t(key, { lng: language });
      plainTexts.set(key, text);
    }
    return text;
  };
  const date = (value: Date) => dateInWords(language, value);
  const fileSize = (bytes: number) => {
    const { unit, size } = fileSizeParts(bytes);
    return t(unit === 'kb' ? 'size.kb' : 'size.mb', { size });
  };
  const linkedSentences = new LRUCache<string, string>({ max: FILLED_TEXTS_PER_LANGUAGE });
  const linkedSentence = (key: string, values: Record<string, unknown>, link: SentenceLink): string => {
    const text = t(key, {
      ...Object.fromEntries(
        Object.entries(values).map(([name, value]) => [name, String(value).replace(MARKERS, '')]),
      ),
      linkStart: LINK_START,
      linkEnd: LINK_END,
    });
    const attributes = link.external ? ' rel="noreferrer"' : '';
    return escapeHtml(text)
      .replace(LINK_START, `<a class="govuk-link" href="${escapeHtml(link.href)}"${attributes}>`)
      .replace(LINK_END, '</a>');
  };

  return {
    language,
    t,
    date,
    fileSize,
    linked(key, values, link) {
      const cacheKey = JSON.stringify([key, values, link]);
      let html = linkedSentences.get(cacheKey);
      if (html === undefined) {
        html = linkedSentence(key, values, link);
        linkedSentences.set(cacheKey, html);
      }
      return html;
    },
    availableUntil(until, today) {
      // The weekday has its own catalogue words: in Welsh it follows "tan" and mutates ("tan ddydd Sadwrn").
      if (daysFromToday(until, today) <= 30) {
        return t('download.availableUntilWeekday', {
          weekday: t(WEEKDAY_KEYS[until.getUTCDay()] as string),
          date: date(until),
        });
      }
      return t('download.availableUntil', { date: date(until) });
    },
    downloadLinkText(fileExtension, bytes) {
      const key = DOWNLOAD_LINK_KEYS[fileExtension.toLowerCase()] ?? OTHER_FILE_KEY;
      return t(key, { size: fileSize(bytes) });
    },
  };
}

/** How the download link states a file's size: "0.1KB" at least, one decimal place, "2KB" not "2.0KB". */
export function fileSizeParts(bytes: number): { unit: 'kb' | 'mb'; size: string } {
  const kilobytes = bytes / 1024;
  if (kilobytes < 0.05) return { unit: 'kb', size: '0.1' };
  const megabytes = kilobytes / 1024;
  if (megabytes < 0.05) return { unit: 'kb', size: oneDecimalPlace(kilobytes) };
  return { unit: 'mb', size: oneDecimalPlace(megabytes) };
}

function oneDecimalPlace(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}
