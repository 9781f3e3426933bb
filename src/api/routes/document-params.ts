import { keyParam, uuidParam } from '../params.js';

/** The headers every answer about a document carries: it must not be indexed nor leak its URL onwards. */
export const PRIVATE_HEADERS = { 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' };

/** `did` or `did.ext` (the extension is only there for browsers; any is accepted, as Notify does). */
export function documentIdParam(value: string | undefined): string {
  const dot = value?.indexOf('.') ?? -1;
  return uuidParam(dot >= 0 ? value?.slice(0, dot) : value);
}

/** The `?key=` of a read route; a repeated `key` is as invalid as a malformed one. */
export function keyQuery(value: unknown): Buffer {
  return keyParam(Array.isArray(value) ? Symbol('repeated') : value);
}
