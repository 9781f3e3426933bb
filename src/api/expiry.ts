import type { DocumentMetadata } from './store/document-store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const RETENTION = /^\s*(\d{1,3})\s+weeks?\s*$/i;
export const MAX_RETENTION_WEEKS = 78;

/** Weeks from Notify's "N weeks" form (1–78), or undefined when it is not that. */
export function parseRetentionWeeks(value: string): number | undefined {
  const match = RETENTION.exec(value);
  if (!match) return undefined;
  const weeks = Number(match[1]);
  return weeks >= 1 && weeks <= MAX_RETENTION_WEEKS ? weeks : undefined;
}

/**
 * SPEC 4: the earlier of created-at + retention and the storage's own expiration date minus a day. Undefined
 * when neither is known (a document Notify wrote without tags, in a bucket without a lifecycle rule).
 */
export function effectiveExpiry(metadata: DocumentMetadata): Date | undefined {
  const candidates: number[] = [];
  const weeks = parseRetentionWeeks(metadata.retentionPeriod);
  if (weeks !== undefined && !Number.isNaN(metadata.createdAt.getTime())) {
    candidates.push(metadata.createdAt.getTime() + weeks * 7 * DAY_MS);
  }
  if (metadata.storageExpiresAt && !Number.isNaN(metadata.storageExpiresAt.getTime())) {
    candidates.push(metadata.storageExpiresAt.getTime() - DAY_MS);
  }
  return candidates.length === 0 ? undefined : new Date(Math.min(...candidates));
}

export function isExpired(metadata: DocumentMetadata, now: Date): boolean {
  const expiry = effectiveExpiry(metadata);
  return expiry !== undefined && expiry.getTime() <= now.getTime();
}

// 'en-CA' formats as YYYY-MM-DD.
const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
// Formatting with a time zone is slow next to the rest of a check; expiries repeat, so remember recent ones.
const formatted = new Map<number, string>();

/** `available_until` as the check endpoint gives it: the expiry's calendar date in the UK, YYYY-MM-DD. */
export function availableUntil(metadata: DocumentMetadata): string | null {
  const expiry = effectiveExpiry(metadata);
  if (!expiry) return null;
  const time = expiry.getTime();
  let date = formatted.get(time);
  if (date === undefined) {
    date = LONDON_DATE.format(expiry);
    if (formatted.size >= 10_000) formatted.clear();
    formatted.set(time, date);
  }
  return date;
}
