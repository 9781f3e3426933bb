import { DAY_MS, ukDate } from '../common/uk-dates.js';
import type { DocumentMetadata } from './store/document-store.js';

/*
 * The one expiry rule (Notify's whole-day rule), for every store and for purge. A document's last day
 * (`available_until`) is the earlier of
 *   - created-at's date in the UK + 7 × retention weeks days, and
 *   - the storage's own expiration date (S3 lifecycle `Expiration`, a date in GMT) − 1 day;
 * it is expired only once that day is before today in the UK, so the day the download page names is served
 * in full. With neither known, a document has no expiry (Notify then serves it rather than fail every
 * download during a storage incident).
 */

const RETENTION = /^\s*(\d{1,3})\s+weeks?\s*$/i;
export const MAX_RETENTION_WEEKS = 78;

/** What expiry depends on. */
export type ExpiryFacts = Pick<DocumentMetadata, 'createdAt' | 'retentionPeriod' | 'storageExpiresAt'>;

/**
 * Weeks from Notify's "N weeks" form (1–78), or undefined when it is not that: the one parser, for what a
 * sender asks for and for what a store holds.
 */
export function parseRetentionWeeks(value: string | undefined): number | undefined {
  const match = value === undefined ? null : RETENTION.exec(value);
  if (!match) return undefined;
  const weeks = Number(match[1]);
  return weeks >= 1 && weeks <= MAX_RETENTION_WEEKS ? weeks : undefined;
}

/** YYYY-MM-DD plus (or minus) whole days, as calendar dates (no time zone involved). */
function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function isValid(date: Date | undefined): date is Date {
  return date !== undefined && !Number.isNaN(date.getTime());
}

/** The last day the document is served (YYYY-MM-DD), or null when nothing says it expires. */
export function availableUntil(facts: ExpiryFacts): string | null {
  let last: string | null = null;
  const weeks = parseRetentionWeeks(facts.retentionPeriod);
  if (weeks !== undefined && isValid(facts.createdAt)) last = addDays(ukDate(facts.createdAt), weeks * 7);
  if (isValid(facts.storageExpiresAt)) {
    const storageLast = addDays(facts.storageExpiresAt.toISOString().slice(0, 10), -1);
    if (last === null || storageLast < last) last = storageLast;
  }
  return last;
}

/** Expired once its last day is before today in the UK. */
export function isExpired(facts: ExpiryFacts, now: Date): boolean {
  const last = availableUntil(facts);
  return last !== null && last < ukDate(now);
}
