import { EMAIL_PATTERN } from '../common/email.js';
import { DAY_MS, ukDate } from '../common/uk-dates.js';

const MINUTE_MS = 60_000;
let lastToday = { minute: Number.NaN, today: 0 };

/** Today's date in the UK, as a UTC-midnight Date so whole-day arithmetic is exact. */
export function ukToday(now: Date = new Date()): Date {
  // The UK's day starts on a whole hour of UTC, so the date found once holds for the rest of that minute.
  const minute = Math.floor(now.getTime() / MINUTE_MS);
  if (minute !== lastToday.minute) {
    lastToday = { minute, today: Date.parse(`${ukDate(now)}T00:00:00Z`) };
  }
  return new Date(lastToday.today);
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

export type Contact =
  { type: 'email'; address: string } | { type: 'link'; url: string } | { type: 'phone'; number: string };

/** How the contact paragraph offers the service's contact details. */
export function contactFor(contactLink: string): Contact {
  const value = contactLink.trim();
  if (EMAIL_PATTERN.test(value)) return { type: 'email', address: value };
  if (value.startsWith('http')) return { type: 'link', url: value };
  return { type: 'phone', number: value };
}
