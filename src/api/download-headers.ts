/** The headers of a download that take parsing or encoding: Content-Disposition out, Range in. */
import { create as createContentDisposition } from 'content-disposition';
import parseRangeHeader from 'range-parser';
import type { ByteRange } from './store/document-store.js';

// C0 controls and DEL, built from code points (they must never reach a header).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
const ATTACHMENT_EXTENSIONS = new Set(['csv', 'rtf', 'txt']);

/**
 * `Content-Disposition` per RFC 6266: attachment for csv/rtf/txt, inline otherwise; a name that is not plain
 * ASCII also goes in `filename*` (UTF-8), with an ASCII `filename` for old clients: accents dropped
 * ("Résumé" → "Resume"), anything else non-ASCII, quotes, backslashes and % as "_".
 */
export function contentDisposition(extension: string, filename: string): string {
  const type = ATTACHMENT_EXTENSIONS.has(extension.toLowerCase()) ? 'attachment' : 'inline';
  const safe = filename.replace(CONTROL_CHARACTERS, '');
  return createContentDisposition(safe, { type, fallback: asciiFallback(safe) });
}

function asciiFallback(filename: string): string {
  return filename
    .normalize('NFKD')
    .replace(/[^\u0020-\u007e]/g, '')
    .replace(/["\\%]/g, '_');
}

/**
 * The `Content-Type` of a download: text types name their charset (`text/csv; charset=utf-8`), as Notify's API
 * (Flask) sends them; other types go out as they are.
 */
export function downloadContentType(mimetype: string): string {
  return mimetype.startsWith('text/') ? `${mimetype}; charset=utf-8` : mimetype;
}

export type RangeRequest = { kind: 'none' } | { kind: 'range'; range: ByteRange } | { kind: 'unsatisfiable' };

const NONE: RangeRequest = { kind: 'none' };
const SUFFIX = /=\s*-\s*(\d+)\s*$/;
const FIRST_AND_LAST = /=\s*(\d+)\s*-\s*(\d+)\s*$/;

/**
 * One `bytes=` range against a file of `size` bytes. Several ranges, other units and malformed headers are
 * answered with the whole file (RFC 9110 lets a server ignore Range); a range entirely past the end is 416.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined || header.includes(',')) return NONE;
  const unit = header.slice(0, header.indexOf('=')).trim().toLowerCase();
  if (unit !== 'bytes') return NONE;
  // Two cases where range-parser departs from RFC 9110 (14.1.1), which says: a last position before the first
  // makes the range invalid (so the header is ignored), and a suffix longer than the file is the whole file.
  const firstAndLast = FIRST_AND_LAST.exec(header);
  if (firstAndLast && Number(firstAndLast[2]) < Number(firstAndLast[1])) return NONE;
  const suffix = SUFFIX.exec(header);
  const ranges = parseRangeHeader(
    size,
    suffix && size > 0 && Number(suffix[1]) > size ? `bytes=-${size}` : header,
  );
  if (ranges === -2) return NONE;
  if (ranges === -1) return { kind: 'unsatisfiable' };
  const [range] = ranges;
  return range ? { kind: 'range', range: { start: range.start, end: range.end } } : NONE;
}
