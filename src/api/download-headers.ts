/** The headers of a download that take parsing or encoding: Content-Disposition out, Range in. */
import type { ByteRange } from './store/document-store.js';

// C0 controls and DEL, built from code points (they must never reach a header).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARACTERS_GLOBAL = new RegExp(CONTROL_CHARACTERS.source, 'g');
const ATTACHMENT_EXTENSIONS = new Set(['csv', 'rtf', 'txt']);
// RFC 5987 attr-char: what may appear unencoded in `filename*`.
const ATTR_CHAR = /[A-Za-z0-9!#$&+.^_`|~-]/;

/** `Content-Disposition` per RFC 6266: attachment for csv/rtf/txt, inline otherwise; unicode via `filename*`. */
export function contentDisposition(extension: string, filename: string): string {
  const type = ATTACHMENT_EXTENSIONS.has(extension.toLowerCase()) ? 'attachment' : 'inline';
  const safe = filename.replace(CONTROL_CHARACTERS_GLOBAL, '');
  const ascii = /^[\u0020-\u007e]*$/.test(safe);
  if (ascii && !/["\\%]/.test(safe)) return `${type}; filename="${safe}"`;
  const fallback = safe
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\u0020-\u007e]|["\\%]/g, '_');
  let encoded = '';
  for (const char of safe) {
    if (ATTR_CHAR.test(char)) encoded += char;
    else
      for (const byte of Buffer.from(char, 'utf8'))
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export type RangeRequest = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range against a file of `size` bytes. Several ranges, other units and malformed headers are
 * answered with the whole file (RFC 9110 lets a server ignore Range); a range entirely past the end is 416.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return { kind: 'none' };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: 'none' };
  const [, startText = '', endText = ''] = match;
  if (startText === '' && endText === '') return { kind: 'none' };
  if (startText.length > 15 || endText.length > 15) return { kind: 'unsatisfiable' };
  if (startText === '') {
    const suffix = Number(endText);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(startText);
  const end = endText === '' ? size - 1 : Math.min(Number(endText), size - 1);
  if (endText !== '' && Number(endText) < start) return { kind: 'none' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'range', range: { start, end } };
}
