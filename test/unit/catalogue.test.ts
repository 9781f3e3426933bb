// The catalogues (src/frontend/locales/*.json) are edited by translators: each must have every key, no key the
// code does not use, and the same placeholders as the English, or a page would lose or garble its words.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/frontend/content.js';
import { LANGUAGES } from '../../src/frontend/language.js';

const FRONTEND_DIR = join(import.meta.dirname, '..', '..', 'src', 'frontend');

function leaves(tree: Record<string, unknown>, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (typeof value === 'string') found.set(key, value);
    else if (value && typeof value === 'object') {
      for (const [k, v] of leaves(value as Record<string, unknown>, key)) found.set(k, v);
    } else throw new Error(`${key} is neither text nor a group`);
  }
  return found;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1] as string).sort();
}

/** Every template and TypeScript file of the frontend (not the catalogues), as one text. */
function frontendSources(dir = FRONTEND_DIR): string {
  let text = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) text += frontendSources(path);
    else if (/\.(ts|njk)$/.test(entry.name)) text += readFileSync(path, 'utf8');
  }
  return text;
}

const catalogues = Object.fromEntries(
  LANGUAGES.map((language) => [language, leaves(loadCatalogue(language))]),
);
const english = catalogues.en as Map<string, string>;
const sources = frontendSources();

describe('the catalogues', () => {
  it.each(LANGUAGES.filter((language) => language !== 'en'))(
    '%s has exactly the English keys',
    (language) => {
      expect([...(catalogues[language] as Map<string, string>).keys()].sort()).toEqual(
        [...english.keys()].sort(),
      );
    },
  );

  it.each(LANGUAGES)('%s has no empty text and no key with i18next separators in its name', (language) => {
    for (const [key, value] of catalogues[language] as Map<string, string>) {
      expect(value.trim(), key).not.toBe('');
      expect(key, key).not.toMatch(/_/);
    }
  });

  it.each(LANGUAGES.filter((language) => language !== 'en'))(
    '%s has the same placeholders as the English in every text',
    (language) => {
      for (const [key, value] of catalogues[language] as Map<string, string>) {
        expect(placeholders(value), key).toEqual(placeholders(english.get(key) ?? ''));
      }
    },
  );

  it('has no key the pages do not use', () => {
    const unused = [...english.keys()].filter(
      (key) => !sources.includes(`"${key}"`) && !sources.includes(`'${key}'`),
    );
    expect(unused).toEqual([]);
  });

  it('has every key the pages ask for', () => {
    const groups = [...new Set([...english.keys()].map((key) => key.split('.')[0]))].join('|');
    const asked = new Set(
      [...sources.matchAll(new RegExp(`["'\\x60]((?:${groups})\\.[A-Za-z.]+)["'\\x60]`, 'g'))].map(
        (m) => m[1] as string,
      ),
    );
    expect([...asked].filter((key) => !english.has(key))).toEqual([]);
    expect(asked.size).toBeGreaterThan(100);
  });
});
