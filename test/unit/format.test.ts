import { describe, expect, it } from 'vitest';
import {
  contactFor,
  formatExpiryDate,
  formatFileSize,
  parseAvailableUntil,
  prettyFileType,
  ukToday,
} from '../../src/frontend/format.js';

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
  ])('%i bytes reads "%s"', (bytes, expected) => {
    expect(formatFileSize(bytes)).toBe(expected);
  });
});

describe('pretty file type', () => {
  it.each([
    ['pdf', 'PDF'],
    ['csv', 'CSV file'],
    ['txt', 'text file'],
    ['json', 'JSON file'],
    ['doc', 'Microsoft Word document'],
    ['docx', 'Microsoft Word document'],
    ['xlsx', 'Microsoft Excel spreadsheet'],
    ['odt', 'text file'],
    ['rtf', 'text file'],
    ['jpg', 'JPEG file'],
    ['jpeg', 'JPEG file'],
    ['png', 'PNG file'],
    ['PDF', 'PDF'],
    ['zip', 'file'],
    ['', 'file'],
  ])('%s is "%s"', (extension, expected) => {
    expect(prettyFileType(extension)).toBe(expected);
  });
});

describe('expiry date', () => {
  const today = ukToday(new Date('2022-10-10T12:00:00Z'));
  const date = (iso: string) => parseAvailableUntil(iso) as Date;

  it('is a plain date when more than 30 days away', () => {
    expect(formatExpiryDate(date('2022-11-12'), today)).toBe('12 November 2022');
    expect(formatExpiryDate(date('2022-11-10'), today)).toBe('10 November 2022');
  });

  it('names the weekday when 30 days or fewer away', () => {
    expect(formatExpiryDate(date('2022-11-09'), today)).toBe('Wednesday 9 November 2022');
    expect(formatExpiryDate(date('2022-10-10'), today)).toBe('Monday 10 October 2022');
  });

  it('takes today in the UK, not in UTC', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    expect(ukToday(new Date('2022-06-30T23:30:00Z')).toISOString()).toBe('2022-07-01T00:00:00.000Z');
    // In winter London is on UTC.
    expect(ukToday(new Date('2022-12-31T23:30:00Z')).toISOString()).toBe('2022-12-31T00:00:00.000Z');
  });

  it('reads dates and date-times, and refuses nonsense', () => {
    expect(date('2022-11-12T10:30:00+00:00').toISOString()).toBe('2022-11-12T00:00:00.000Z');
    expect(parseAvailableUntil('2022-02-30')).toBeUndefined();
    expect(parseAvailableUntil('next week')).toBeUndefined();
  });
});

describe('contact paragraph type', () => {
  it.each([
    ['help@example.gov.uk', { type: 'email', address: 'help@example.gov.uk' }],
    ['https://example.gov.uk/contact', { type: 'link', url: 'https://example.gov.uk/contact' }],
    ['http://example.gov.uk', { type: 'link', url: 'http://example.gov.uk' }],
    ['0800 123 4567', { type: 'phone', number: '0800 123 4567' }],
    ['javascript:alert(1)', { type: 'phone', number: 'javascript:alert(1)' }],
  ])('%s', (contactLink, expected) => {
    expect(contactFor(contactLink)).toEqual(expected);
  });
});
