import { EMAIL_PATTERN } from '../common/email.js';
import { DAY_MS, ukDate } from '../common/uk-dates.js';

/** "0.1KB", "12.1KB", "2KB", "0.7MB": how the download link states a file's size. */
export function formatFileSize(bytes: number): string {
  const kilobytes = bytes / 1024;
  if (kilobytes < 0.05) return '0.1KB';
  const megabytes = kilobytes / 1024;
  if (megabytes < 0.05) return `${oneDecimalPlace(kilobytes)}KB`;
  return `${oneDecimalPlace(megabytes)}MB`;
}

function oneDecimalPlace(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}

/** What the download page calls each file type the document API allows. */
const FILE_TYPE_NAMES: Readonly<Record<string, string>> = {
  pdf: 'PDF',
  csv: 'CSV file',
  txt: 'text file',
  json: 'JSON file',
  doc: 'Microsoft Word document',
  docx: 'Microsoft Word document',
  xlsx: 'Microsoft Excel spreadsheet',
  odt: 'text file',
  rtf: 'text file',
  jpg: 'JPEG file',
  jpeg: 'JPEG file',
  png: 'PNG file',
};

/** How a page names a file of this extension: "PDF", "CSV file", … and "file" for anything else. */
export function prettyFileType(extension: string): string {
  const name = FILE_TYPE_NAMES[extension.toLowerCase()];
  return name ?? 'file';
}

/** Today's date in the UK, as a UTC-midnight Date so whole-day arithmetic is exact. */
export function ukToday(now: Date = new Date()): Date {
  return new Date(`${ukDate(now)}T00:00:00Z`);
}

/** The calendar date at the start of an ISO date or date-time ("2022-11-12", "2022-11-12T10:00:00"). */
export function parseAvailableUntil(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCDate() === Number(match[3]) ? date : undefined;
}

export function daysFromToday(date: Date, today: Date): number {
  return Math.round((date.getTime() - today.getTime()) / DAY_MS);
}

const DATE_WORDS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});
const WEEKDAY = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long' });

/** "12 November 2022", or "Wednesday 9 November 2022" when the date is 30 days or fewer away. */
export function formatExpiryDate(date: Date, today: Date): string {
  const words = DATE_WORDS.format(date);
  return daysFromToday(date, today) <= 30 ? `${WEEKDAY.format(date)} ${words}` : words;
}

export type Contact =
  { type: 'email'; address: string } | { type: 'link'; url: string } | { type: 'phone'; number: string };

/** How the contact paragraph offers the service's contact details. */
export function contactFor(contactLink: string): Contact {
  const value = contactLink.trim();
  if (EMAIL_PATTERN.test(value)) return { type: 'email', address: value };
  if (value.startsWith('http')) return { type: 'link', url: value };
  return { type: 'phone', number: value };
}
