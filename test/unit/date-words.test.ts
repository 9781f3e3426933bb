import { describe, expect, it } from 'vitest';
import { dateInWords } from '../../src/frontend/date-words.js';
import { LANGUAGES } from '../../src/frontend/language.js';

const DAY_MS = 86_400_000;

describe('dateInWords', () => {
  it.each(LANGUAGES)('writes every day from 1990 to 2110 as Intl does for %s-GB', (language) => {
    const reference = new Intl.DateTimeFormat(`${language}-GB`, {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    });
    const disagreements: string[] = [];
    for (let time = Date.UTC(1990, 0, 1); time < Date.UTC(2110, 0, 1); time += DAY_MS) {
      const date = new Date(time);
      const words = dateInWords(language, date);
      if (words !== reference.format(date)) disagreements.push(`${words} ≠ ${reference.format(date)}`);
    }
    expect(disagreements).toEqual([]);
  });

  it('writes the day without a leading zero, then the month and the year', () => {
    expect(dateInWords('en', new Date('2027-06-05T00:00:00Z'))).toBe('5 June 2027');
    expect(dateInWords('cy', new Date('2027-06-05T00:00:00Z'))).toBe('5 Mehefin 2027');
    expect(dateInWords('cy', new Date('2026-12-31T00:00:00Z'))).toBe('31 Rhagfyr 2026');
  });
});
