import type { DocumentMetadata } from './document-store.js';
import { retentionWeeks } from './s3-metadata.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A UTC calendar date as `YYYY-MM-DD`. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

function addDays(isoDate: string, days: number): string {
  return utcDate(new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS));
}

/**
 * The last day a document may be served (`YYYY-MM-DD`, UTC), by Notify's rule: the earlier of created-at's date +
 * 7 × retention weeks and the storage's expiry date minus one day. Undefined when neither is known (Notify then
 * serves the document rather than fail every download during a storage incident).
 */
export function effectiveExpiryDate(
  metadata: Pick<DocumentMetadata, 'createdAt' | 'retentionPeriod' | 'storageExpiresAt'>,
): string | undefined {
  const candidates: string[] = [];
  const weeks = retentionWeeks(metadata.retentionPeriod);
  if (weeks !== undefined && !Number.isNaN(metadata.createdAt.getTime())) {
    candidates.push(addDays(utcDate(metadata.createdAt), weeks * 7));
  }
  if (metadata.storageExpiresAt && !Number.isNaN(metadata.storageExpiresAt.getTime())) {
    candidates.push(addDays(utcDate(metadata.storageExpiresAt), -1));
  }
  if (candidates.length === 0) return undefined;
  return candidates.sort()[0];
}

/** Expired once the effective expiry date is before `now`'s UTC date (the last day itself still serves). */
export function isExpired(
  metadata: Pick<DocumentMetadata, 'createdAt' | 'retentionPeriod' | 'storageExpiresAt'>,
  now: Date,
): boolean {
  const last = effectiveExpiryDate(metadata);
  return last !== undefined && last < utcDate(now);
}
