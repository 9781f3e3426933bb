import { describe, expect, it } from 'vitest';
import { parseRetentionWeeks } from '../../src/api/expiry.js';
import {
  encodeTagging,
  escapeFilename,
  formatCreatedAt,
  isBlockedTag,
  normaliseRetentionPeriod,
  parseCreatedAt,
  parseExpirationHeader,
  unescapeFilename,
} from '../../src/api/store/s3-metadata.js';

// [filename, what Python 3's filename.encode("unicode_escape").decode("ascii") gives] — produced with CPython 3.12.
const PYTHON_VECTORS: Array<[string, string]> = [
  ['report.pdf', 'report.pdf'],
  ['café.pdf', String.raw`caf\xe9.pdf`],
  ['Données personnelles – été 2024.docx', String.raw`Donn\xe9es personnelles \u2013 \xe9t\xe9 2024.docx`],
  ['☃ snowman.txt', String.raw`\u2603 snowman.txt`],
  ['😀 grin.png', String.raw`\U0001f600 grin.png`],
  ['back\\slash.csv', String.raw`back\\slash.csv`],
  ['tab\there.txt', String.raw`tab\there.txt`],
  [`quote's "x".pdf`, `quote's "x".pdf`],
  ['\x7f\x01.txt', String.raw`\x7f\x01.txt`],
  ['مرحبا.pdf', String.raw`\u0645\u0631\u062d\u0628\u0627.pdf`],
  ['日本語.xlsx', String.raw`\u65e5\u672c\u8a9e.xlsx`],
  ['Ελληνικά.odt', String.raw`\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac.odt`],
];

describe('filenames in S3 metadata (Python unicode_escape)', () => {
  it.each(PYTHON_VECTORS)('escapes %j exactly as Notify stores it', (filename, stored) => {
    expect(escapeFilename(filename)).toBe(stored);
  });

  it.each(PYTHON_VECTORS)('reads %j back from what Notify stored', (filename, stored) => {
    expect(unescapeFilename(stored)).toBe(filename);
  });

  it('escapes to printable ASCII only, so the value is a valid HTTP header', () => {
    for (const [filename] of PYTHON_VECTORS) expect(escapeFilename(filename)).toMatch(/^[\x20-\x7e]*$/);
  });

  it('decodes the other escapes Python decodes', () => {
    expect(unescapeFilename(String.raw`\101\x41\u0041\U00000041`)).toBe('AAAA');
    expect(unescapeFilename(String.raw`\a\b\f\v\'\"`)).toBe(`\x07\b\f\v'"`);
    // A surrogate pair written as two \u escapes (another writer) still makes one character in JavaScript.
    expect(unescapeFilename(String.raw`\ud83d\ude00`)).toBe('😀');
  });

  it('keeps what Python would reject or cannot know, instead of failing the download', () => {
    expect(unescapeFilename(String.raw`a\qb`)).toBe(String.raw`a\qb`);
    expect(unescapeFilename(String.raw`bad\x4`)).toBe(String.raw`bad\x4`);
    expect(unescapeFilename(String.raw`big\U00110000`)).toBe(String.raw`big\U00110000`);
    expect(unescapeFilename(String.raw`\N{SNOWMAN}`)).toBe(String.raw`\N{SNOWMAN}`);
    expect(unescapeFilename('trailing\\')).toBe('trailing\\');
    expect(unescapeFilename('already ☃')).toBe('already ☃');
  });

  it('round-trips text that looks like an escape', () => {
    const tricky = String.raw`literal \u00e9 and \\ and \x41`;
    expect(escapeFilename(tricky)).toBe(String.raw`literal \\u00e9 and \\\\ and \\x41`);
    expect(unescapeFilename(escapeFilename(tricky))).toBe(tricky);
  });
});

describe('tags', () => {
  it('writes created-at as Python isoformat(timespec="seconds") in UTC', () => {
    expect(formatCreatedAt(new Date('2024-05-01T12:34:56.789Z'))).toBe('2024-05-01T12:34:56+00:00');
  });

  it('reads created-at in the forms fromisoformat accepts', () => {
    expect(parseCreatedAt('2024-05-01T12:34:56+00:00')?.toISOString()).toBe('2024-05-01T12:34:56.000Z');
    expect(parseCreatedAt('2024-05-01T13:34:56+01:00')?.toISOString()).toBe('2024-05-01T12:34:56.000Z');
    expect(parseCreatedAt('2024-05-01T12:34:56.123456')?.toISOString()).toBe('2024-05-01T12:34:56.123Z');
    expect(parseCreatedAt('2024-05-01')?.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseCreatedAt('yesterday')).toBeUndefined();
    expect(parseCreatedAt(undefined)).toBeUndefined();
  });

  it('encodes tags so that AWS and radosgw both read spaces back', () => {
    expect(encodeTagging({ 'created-at': '2024-05-01T12:34:56+00:00', 'retention-period': '2 weeks' })).toBe(
      'created-at=2024-05-01T12%3A34%3A56%2B00%3A00&retention-period=2%20weeks',
    );
  });

  it("reads a retention period that radosgw kept from Python's urlencode ('+' for space)", () => {
    expect(normaliseRetentionPeriod('2+weeks')).toBe('2 weeks');
    expect(normaliseRetentionPeriod('26 weeks')).toBe('26 weeks');
    expect(normaliseRetentionPeriod(undefined)).toBe('');
    expect(parseRetentionWeeks(normaliseRetentionPeriod('78+weeks'))).toBe(78);
    expect(parseRetentionWeeks(normaliseRetentionPeriod(undefined))).toBeUndefined();
  });

  it('treats blocked=true/yes in any case as blocked, anything else as not', () => {
    for (const value of ['true', 'yes', 'TRUE', 'Yes', ' yes ']) expect(isBlockedTag(value)).toBe(true);
    for (const value of [undefined, '', 'false', 'no', '1', 'blocked'])
      expect(isBlockedTag(value)).toBe(false);
  });
});

describe('the Expiration header', () => {
  it('reads expiry-date from the header S3 sends for a lifecycle rule', () => {
    expect(
      parseExpirationHeader(
        'expiry-date="Fri, 01 May 2020 00:00:00 GMT", rule-id="remove-old-documents"',
      )?.toISOString(),
    ).toBe('2020-05-01T00:00:00.000Z');
    expect(
      parseExpirationHeader('rule-id="x", expiry-date="Mon, 30 Nov 2026 00:00:00 GMT"')?.toISOString(),
    ).toBe('2026-11-30T00:00:00.000Z');
  });

  it('ignores a missing header, one without expiry-date and a date not in GMT', () => {
    expect(parseExpirationHeader(undefined)).toBeUndefined();
    expect(parseExpirationHeader('rule-id="x"')).toBeUndefined();
    expect(parseExpirationHeader('expiry-date="Fri, 01 May 2020 00:00:00 BST"')).toBeUndefined();
    expect(parseExpirationHeader('expiry-date="soon"')).toBeUndefined();
  });
});
