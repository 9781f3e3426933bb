import { describe, expect, it } from 'vitest';
import { contactFor, parseAvailableUntil, ukToday } from '../../src/frontend/format.js';

describe('expiry date', () => {
  const date = (iso: string) => parseAvailableUntil(iso) as Date;

  it('takes today in the UK, not in UTC', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    expect(ukToday(new Date('2022-06-30T23:30:00Z')).toISOString()).toBe('2022-07-01T00:00:00.000Z');
    // In winter London is on UTC.
    expect(ukToday(new Date('2022-12-31T23:30:00Z')).toISOString()).toBe('2022-12-31T00:00:00.000Z');
  });

  it('moves to the next day at UK midnight, asked just before and just after it', () => {
    expect(ukToday(new Date('2022-06-30T22:59:59.999Z')).toISOString()).toBe('2022-06-30T00:00:00.000Z');
    expect(ukToday(new Date('2022-06-30T23:00:00.000Z')).toISOString()).toBe('2022-07-01T00:00:00.000Z');
    expect(ukToday(new Date('2022-06-30T23:00:59.999Z')).toISOString()).toBe('2022-07-01T00:00:00.000Z');
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
