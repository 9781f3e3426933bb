import { describe, expect, it } from 'vitest';
import { ukDate } from '../../src/common/uk-dates.js';

// The reference: ICU's time-zone data, which the code no longer loads in production.
const LONDON = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const HOUR_MS = 3_600_000;

describe('ukDate', () => {
  it('agrees with Europe/London every 37 minutes from 1996 to 2100', () => {
    const disagreements: string[] = [];
    const end = Date.UTC(2100, 0, 1);
    for (let time = Date.UTC(1996, 0, 1); time < end; time += 37 * 60_000) {
      const instant = new Date(time);
      if (ukDate(instant) !== LONDON.format(instant)) disagreements.push(instant.toISOString());
    }
    expect(disagreements).toEqual([]);
  });

  it('agrees with Europe/London on each side of every clock change and of midnight around it', () => {
    const disagreements: string[] = [];
    for (let year = 1996; year <= 2100; year++) {
      for (const month of [2, 9]) {
        for (let day = 24; day <= 31; day++) {
          for (const hour of [-1, 0, 1, 2, 22, 23]) {
            for (const offset of [-1, 0, 1]) {
              const instant = new Date(Date.UTC(year, month, day) + hour * HOUR_MS + offset);
              if (ukDate(instant) !== LONDON.format(instant)) disagreements.push(instant.toISOString());
            }
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('moves to the next day at 23:00 UTC in summer and at midnight UTC in winter', () => {
    expect(ukDate(new Date('2027-03-27T23:59:59Z'))).toBe('2027-03-27');
    expect(ukDate(new Date('2027-03-28T00:59:59Z'))).toBe('2027-03-28');
    expect(ukDate(new Date('2027-06-30T22:59:59.999Z'))).toBe('2027-06-30');
    expect(ukDate(new Date('2027-06-30T23:00:00Z'))).toBe('2027-07-01');
    expect(ukDate(new Date('2027-10-30T23:00:00Z'))).toBe('2027-10-31');
    expect(ukDate(new Date('2027-10-31T00:59:59Z'))).toBe('2027-10-31');
    expect(ukDate(new Date('2027-10-31T23:00:00Z'))).toBe('2027-10-31');
    expect(ukDate(new Date('2027-11-01T00:00:00Z'))).toBe('2027-11-01');
  });
});
