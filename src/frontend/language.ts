/** The languages every recipient page exists in. */
export const LANGUAGES = ['en', 'cy'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'en';

/** The name of the query parameter by which a link chooses the page's language. */
export const LANGUAGE_QUERY_NAME = 'lang';

/** A language this app speaks, or undefined for anything else (an unknown value is ignored, not refused). */
export function parseLanguage(value: unknown): Language | undefined {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)
    ? (value as Language)
    : undefined;
}

export function otherLanguage(language: Language): Language {
  return language === 'en' ? 'cy' : 'en';
}

/**
 * A path of letters, digits, `-`, `_`, `.`, `/` (no `//` at its start) and a query of one or more `name=value`
 * pairs of base64url characters, none named `lang`: URLSearchParams gives such a query back unchanged.
 */
const PLAIN_TARGET = /^\/(?![/\\])[\w./-]*\?(?!lang=)[\w-]+=[\w-]*(?:&(?!lang=)[\w-]+=[\w-]*)*$/;

/**
 * The same page in the given language: the request target's path and query with `lang` set. A path that a
 * browser would read as another host (`//host`, `/\host`) is made a plain same-origin path first.
 */
export function sameTargetInLanguage(target: string, language: Language): string {
  // A journey link's target (`/d/…/…?key=…`) parses and serialises to itself: only `lang` is added.
  if (PLAIN_TARGET.test(target)) return `${target}&${LANGUAGE_QUERY_NAME}=${language}`;
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const path = rawPath.replace(/^[a-z][a-z\d+.-]*:\/\/[^/]*/i, '').replace(/^[/\\]*/, '/');
  const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1).split('#')[0]);
  query.set(LANGUAGE_QUERY_NAME, language);
  return `${path}?${query.toString()}`;
}

/** A link within the journey, carrying the chosen language when the recipient chose one. */
export function withChosenLanguage(link: string, chosen: Language | undefined): string {
  if (!chosen) return link;
  return `${link}${link.includes('?') ? '&' : '?'}${LANGUAGE_QUERY_NAME}=${chosen}`;
}
