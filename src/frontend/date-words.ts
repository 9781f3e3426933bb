import type { Language } from './language.js';

const MONTHS: Record<Language, readonly string[]> = {
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  cy: [
    'Ionawr',
    'Chwefror',
    'Mawrth',
    'Ebrill',
    'Mai',
    'Mehefin',
    'Gorffennaf',
    'Awst',
    'Medi',
    'Hydref',
    'Tachwedd',
    'Rhagfyr',
  ],
};

/**
 * A calendar date held as a UTC midnight in words, as GOV.UK writes it: "5 June 2027", "5 Mehefin 2027" (what
 * Intl.DateTimeFormat gives for en-GB and cy-GB with a long month). Fixed words, not Intl: a locale's date
 * formats load ICU data, megabytes of the node binary's pages in each worker (docs/operations.md, "Memory of a
 * frontend worker").
 */
export function dateInWords(language: Language, date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[language][date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
