import { fileTypeFromBuffer } from 'file-type';
import { EXTENSION_BY_MIMETYPE, MIMETYPE_BY_EXTENSION } from '../allowed-file-types.js';

export const WORD_MIMETYPE = 'application/msword';
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const WORD_STREAM_NAME = Buffer.from('WordDocument', 'utf16le');
const TEXT_SAMPLE_BYTES = 64 * 1024;
/** How much of a streamed file the type is detected from (file-type reads Office containers' first entries). */
export const TYPE_PREFIX_BYTES = 1024 * 1024;

/** What is known of a file larger than the prefix the type is detected from. */
export interface BeyondPrefix {
  /** Whether the legacy Word stream name appears anywhere in the file (an OLE directory can be at its end). */
  hasWordStreamName: boolean;
}

/** The allowed mimetypes, as Notify lists them in its error messages. */
export function allowedExtensionsList(): string {
  return [...new Set(Object.keys(MIMETYPE_BY_EXTENSION))]
    .sort()
    .map((ext) => `'.${ext}'`)
    .join(', ');
}

export function isAllowedMimetype(mimetype: string): boolean {
  return Object.hasOwn(EXTENSION_BY_MIMETYPE, mimetype);
}

/**
 * The type of these bytes, from their content: binary formats by their signatures and container structure
 * (file-type, plus the legacy Word check for OLE compound files), then text by inspection: RTF, JSON, CSV,
 * plain text. Anything else is "application/octet-stream" (not allowed).
 */
export async function detectMimetype(content: Buffer, beyondPrefix?: BeyondPrefix): Promise<string> {
  if (content.length >= 8 && content.subarray(0, 8).equals(CFB_SIGNATURE)) {
    const hasWordStream = beyondPrefix?.hasWordStreamName ?? content.includes(WORD_STREAM_NAME);
    return hasWordStream ? WORD_MIMETYPE : 'application/x-ole-storage';
  }
  // A byte-order mark means text, whatever binary format its first bytes happen to resemble (FF FE is an
  // MPEG audio frame header to file-type).
  if (startsWithBom(content)) {
    const text = detectTextMimetype(content);
    if (text !== 'application/octet-stream') return text;
  }
  const binary = await fileTypeFromBuffer(content).catch(() => undefined);
  if (!binary) return detectTextMimetype(content);
  const mime = binary.mime === 'text/rtf' ? 'application/rtf' : binary.mime;
  if (isAllowedMimetype(mime)) return mime;
  // Some signatures are two to six printable bytes ("BM", "MZ", "BZh", "GIF89a"): a letter that starts with them
  // is still text. Only content that also reads as text is given the benefit; real images and programs do not.
  const text = detectTextMimetype(content);
  return text === 'application/octet-stream' ? mime : text;
}

function startsWithBom(content: Buffer): boolean {
  const [a, b, c] = content;
  return (a === 0xef && b === 0xbb && c === 0xbf) || (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff);
}

/**
 * The type of a file that arrives as a stream, from its first TYPE_PREFIX_BYTES: a file that fits is typed
 * exactly as a whole one; a larger one by the same rules on the prefix (JSON, which cannot be proved from part of
 * a document, reads as text), plus a search of the whole stream for the legacy Word stream name.
 */
export class StreamedTypeDetector {
  private readonly prefix: Buffer[] = [];
  private prefixLength = 0;
  private size = 0;
  private hasWordStreamName = false;
  /** The end of the previous chunk, so a name split across two chunks is still found. */
  private tail = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.prefixLength < TYPE_PREFIX_BYTES) {
      const part = chunk.subarray(0, TYPE_PREFIX_BYTES - this.prefixLength);
      this.prefix.push(part);
      this.prefixLength += part.length;
    }
    if (!this.hasWordStreamName) {
      const window = Buffer.concat([this.tail, chunk]);
      this.hasWordStreamName = window.includes(WORD_STREAM_NAME);
      this.tail = window.subarray(Math.max(0, window.length - WORD_STREAM_NAME.length + 1));
    }
  }

  get bytes(): number {
    return this.size;
  }

  detect(): Promise<string> {
    const prefix = Buffer.concat(this.prefix);
    if (this.size <= TYPE_PREFIX_BYTES) return detectMimetype(prefix);
    return detectMimetype(prefix, { hasWordStreamName: this.hasWordStreamName });
  }
}

/** Text heuristics for content that file-type did not recognise. */
export function detectTextMimetype(content: Buffer): string {
  const text = decodeText(content);
  if (text === undefined) return 'application/octet-stream';
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{\\rtf')) return 'application/rtf';
  if (looksLikeJson(trimmed)) return 'application/json';
  if (looksLikeCsv(trimmed)) return 'text/csv';
  return 'text/plain';
}

/** The text of these bytes when they look like text (UTF-8, UTF-16 with a BOM, or 8-bit text), else undefined. */
function decodeText(content: Buffer): string | undefined {
  if (content.length === 0) return undefined;
  if (content[0] === 0xff && content[1] === 0xfe)
    return stripBomText(content.subarray(2).toString('utf16le'));
  if (content[0] === 0xfe && content[1] === 0xff) {
    const even = content.subarray(2, 2 + ((content.length - 2) & ~1));
    return stripBomText(Buffer.from(even).swap16().toString('utf16le'));
  }
  const sample = content.subarray(0, TEXT_SAMPLE_BYTES);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return undefined;
    // C0 controls other than tab, newline, form feed, carriage return and escape are rare in text.
    if (byte < 0x20 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13 && byte !== 27) control++;
  }
  if (control > sample.length / 100) return undefined;
  return content.toString(isUtf8(content) ? 'utf8' : 'latin1');
}

function stripBomText(text: string): string | undefined {
  return text.includes('\u0000') ? undefined : text;
}

function isUtf8(content: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
    return true;
  } catch {
    return false;
  }
}

function looksLikeJson(text: string): boolean {
  if (!(text.startsWith('{') || text.startsWith('['))) return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

/**
 * CSV: at least two non-empty lines that split (outside quotes) into the same number of fields, more than one,
 * on the same delimiter (comma, semicolon or tab).
 */
function looksLikeCsv(text: string): boolean {
  const lines = text
    .slice(0, TEXT_SAMPLE_BYTES)
    .split(/\r\n|\n|\r/)
    .filter((line) => line.trim() !== '');
  // The sample may cut the last line short.
  if (text.length > TEXT_SAMPLE_BYTES) lines.pop();
  if (lines.length < 2) return false;
  return [',', ';', '\t'].some((delimiter) => {
    const counts = lines.slice(0, 200).map((line) => countFields(line, delimiter));
    const first = counts[0] ?? 0;
    return first > 1 && counts.every((count) => count === first);
  });
}

function countFields(line: string, delimiter: string): number {
  let fields = 1;
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (char === delimiter && !quoted) fields++;
  }
  return quoted ? -1 : fields;
}

export class FileTypeError extends Error {
  override readonly name = 'FileTypeError';
}

/** The extension of a filename (lowercase, no dot), or undefined when it has none. */
export function filenameExtension(filename: string): string | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot < 0 || dot === filename.length - 1) return undefined;
  return filename.slice(dot + 1).toLowerCase();
}

/**
 * The type a document is stored and served as, as Notify's API decides it. The content decides
 * whether the file is allowed at all; with a filename, its extension then decides the stored type, whatever
 * allowed type the content is (Notify accepts a PDF named "letter.docx" and stores it as docx). Without one,
 * text declared `is_csv` becomes text/csv.
 */
export function resolveMimetype(detected: string, isCsv: boolean, filename: string | undefined): string {
  if (!isAllowedMimetype(detected)) {
    throw new FileTypeError(
      `Unsupported file type '${detected}'. Supported types are: ${allowedExtensionsList()}`,
    );
  }
  if (filename === undefined) {
    return isCsv && detected === 'text/plain' ? 'text/csv' : detected;
  }
  const extension = filenameExtension(filename) ?? '';
  const declared = MIMETYPE_BY_EXTENSION[extension];
  if (declared === undefined) {
    throw new FileTypeError(
      `Unsupported file type '.${extension}'. Supported types are: ${allowedExtensionsList()}`,
    );
  }
  return declared;
}
