// The one expiry rule (Notify's whole-day rule): unit cases, then the API on a real port with a pinned
// clock, where a recipient must be served all through the day `available_until` names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64url } from '../../src/common/ids.js';
import { availableUntil, isExpired, parseRetentionWeeks } from '../../src/api/expiry.js';
import { ukDate } from '../../src/common/uk-dates.js';
import { SERVICE_ID } from '../helpers/api-harness.js';
import { startApiWithStore, storeDocument, type ApiWithStore } from '../helpers/stored-documents.js';
import { documentApiPaths } from '../../src/common/routes.js';

const at = (iso: string) => new Date(iso);

describe('retention periods', () => {
  it('parses "N weeks" from 1 to 78, and nothing else', () => {
    expect(parseRetentionWeeks('1 week')).toBe(1);
    expect(parseRetentionWeeks('78 weeks')).toBe(78);
    expect(parseRetentionWeeks(' 26 Weeks ')).toBe(26);
    for (const bad of ['0 weeks', '79 weeks', 'weeks', '1 month', '-1 weeks', '1.5 weeks', '', '2+weeks']) {
      expect(parseRetentionWeeks(bad)).toBeUndefined();
    }
    expect(parseRetentionWeeks(undefined)).toBeUndefined();
  });
});

describe('available_until and expiry', () => {
  it('is created-at’s UK date + 7 × weeks days', () => {
    expect(availableUntil({ createdAt: at('2024-01-01T10:00:00Z'), retentionPeriod: '2 weeks' })).toBe(
      '2024-01-15',
    );
    // 23:30 UTC in winter is still that day in the UK; in summer it is 00:30 BST the next day.
    expect(availableUntil({ createdAt: at('2024-01-01T23:30:00Z'), retentionPeriod: '1 week' })).toBe(
      '2024-01-08',
    );
    expect(availableUntil({ createdAt: at('2024-06-01T23:30:00Z'), retentionPeriod: '1 week' })).toBe(
      '2024-06-09',
    );
    // Across the clock change and a leap day, whole calendar days.
    expect(availableUntil({ createdAt: at('2024-02-26T12:00:00Z'), retentionPeriod: '5 weeks' })).toBe(
      '2024-04-01',
    );
  });

  it('is the storage expiration date − 1 day when that is earlier', () => {
    const createdAt = at('2024-05-01T23:30:00Z');
    const storageExpiresAt = at('2024-05-10T00:00:00Z');
    expect(availableUntil({ createdAt, retentionPeriod: '2 weeks', storageExpiresAt })).toBe('2024-05-09');
    expect(availableUntil({ createdAt, retentionPeriod: '', storageExpiresAt })).toBe('2024-05-09');
    expect(availableUntil({ createdAt, retentionPeriod: '1 week', storageExpiresAt })).toBe('2024-05-09');
    expect(
      availableUntil({ createdAt, retentionPeriod: '1 week', storageExpiresAt: at('2024-06-01T00:00:00Z') }),
    ).toBe('2024-05-09');
  });

  it('is unknown without a retention period or a storage expiry, and then never expires', () => {
    const facts = { createdAt: at('2020-01-01T00:00:00Z'), retentionPeriod: '' };
    expect(availableUntil(facts)).toBeNull();
    expect(isExpired(facts, at('2099-01-01T00:00:00Z'))).toBe(false);
    expect(availableUntil({ createdAt: new Date(Number.NaN), retentionPeriod: '1 week' })).toBeNull();
  });

  it('serves the whole last day in the UK and expires at the UK midnight after it', () => {
    // Winter: the last day (8 January) ends at midnight UTC.
    const winter = { createdAt: at('2024-01-01T23:30:00Z'), retentionPeriod: '1 week' };
    expect(isExpired(winter, at('2024-01-08T00:30:00Z'))).toBe(false);
    expect(isExpired(winter, at('2024-01-08T23:59:59Z'))).toBe(false);
    expect(isExpired(winter, at('2024-01-09T00:00:00Z'))).toBe(true);
    // Summer: the last day (9 June) ends at 23:00 UTC.
    const summer = { createdAt: at('2024-06-01T23:30:00Z'), retentionPeriod: '1 week' };
    expect(isExpired(summer, at('2024-06-08T23:30:00Z'))).toBe(false); // 00:30 BST on the last day
    expect(isExpired(summer, at('2024-06-09T22:59:59Z'))).toBe(false);
    expect(isExpired(summer, at('2024-06-09T23:00:00Z'))).toBe(true);
  });

  it('gives UK dates', () => {
    expect(ukDate(at('2024-06-01T22:59:59Z'))).toBe('2024-06-01');
    expect(ukDate(at('2024-06-01T23:00:00Z'))).toBe('2024-06-02');
    expect(ukDate(at('2024-01-01T23:59:59Z'))).toBe('2024-01-01');
    expect(ukDate(at('2024-01-02T00:00:00Z'))).toBe('2024-01-02');
  });
});

describe('the API and purge follow the rule', () => {
  let clock = new Date();
  let running: ApiWithStore;

  beforeAll(async () => {
    running = await startApiWithStore({}, { now: () => clock });
  });
  afterAll(() => running.close());

  it('serves a document created at 23:30 UTC for the whole day available_until names, then 410', async () => {
    const { api, store } = running;
    const { documentId, key } = await storeDocument(store, {
      createdAt: at('2024-06-01T23:30:00Z'),
      retentionPeriod: '1 week',
    });
    const check = async (now: string) => {
      clock = at(now);
      const response = await fetch(
        `${api.url}${documentApiPaths.check(SERVICE_ID, documentId)}?key=${bytesToBase64url(key)}`,
      );
      return {
        status: response.status,
        body: (await response.json()) as { document?: { available_until: string } },
      };
    };

    const first = await check('2024-06-02T09:00:00Z');
    expect(first.status).toBe(200);
    expect(first.body.document?.available_until).toBe('2024-06-09');
    // 00:30 BST on 9 June: refused before this fix, though the page says "available until 9 June".
    expect((await check('2024-06-08T23:30:00Z')).status).toBe(200);
    expect((await check('2024-06-09T22:59:00Z')).status).toBe(200);
    expect(await store.purgeExpired(at('2024-06-09T22:59:00Z'))).toBe(0);
    expect((await check('2024-06-09T23:00:00Z')).status).toBe(410);
    expect(await store.purgeExpired(at('2024-06-09T23:00:00Z'))).toBe(1);
  });
});
