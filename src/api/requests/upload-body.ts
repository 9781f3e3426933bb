import { validateEmailAddress } from '../../common/email.js';
import { MIMETYPE_BY_EXTENSION } from '../allowed-file-types.js';
import { isRecord } from '../../common/json.js';
import { ApiError } from '../errors.js';
import { allowedExtensionsList, filenameExtension } from '../checks/mimetype.js';
import { parseRetentionWeeks } from '../expiry.js';
import type { DocumentLanguage } from '../store/document-store.js';

export const MAX_FILENAME_LENGTH = 100;
/** Notify's one answer for any upload too large, whether the file or the whole body. */
export const FILE_TOO_LARGE = 'Uploaded file exceeds file size limit';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE = /[\t\n\r ]/g;
/**
 * Characters a filename may not hold: controls (Cc), invisible format characters (Cf: bidi controls such as
 * U+202E that make "rtl\u202Egpj.pdf" display as "rtlfdp.jpg", zero-width characters, BOMs) and the line and
 * paragraph separators (Zl, Zp). They would reach the download bar, the page and the Content-Disposition header.
 */
const FORBIDDEN_IN_FILENAME = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
/** A UTF-16 surrogate without its pair: not a character at all (JSON's "\ud800" escapes can carry one). */
const LONE_SURROGATE = /\p{Cs}/u;

/** The upload's optional fields, validated: the same for the JSON body and the multipart form. */
export interface UploadFields {
  isCsv: boolean;
  /** Normalised (trimmed, lowercase) as Notify does before hashing. */
  confirmationEmail: string | undefined;
  /** "N weeks", or undefined for the default. */
  retentionPeriod: string | undefined;
  filename: string | undefined;
  /** The recipient pages' language the sending service chose; undefined means English. */
  language: DocumentLanguage | undefined;
}

export interface UploadRequest extends UploadFields {
  content: Buffer;
}

/** The optional fields' names as the JSON body and the multipart form spell them. */
export const UPLOAD_FIELD_NAMES = [
  'is_csv',
  'confirmation_email',
  'retention_period',
  'filename',
  'language',
] as const;
export type UploadFieldName = (typeof UPLOAD_FIELD_NAMES)[number];

export function isUploadFieldName(name: string): name is UploadFieldName {
  return (UPLOAD_FIELD_NAMES as readonly string[]).includes(name);
}

/** The body of an upload or a file check, validated field by field into a clear 400 (or 413 for size). */
export function parseUploadBody(body: unknown, maxDecodedFileSize: number): UploadRequest {
  if (!isRecord(body)) throw new ApiError(400, 'Request body must be a JSON object');
  return { content: decodeDocument(body.document, maxDecodedFileSize), ...parseUploadFields(body) };
}

/** The optional fields of a body (absent or null: the default), each validated into a clear 400. */
export function parseUploadFields(body: Readonly<Record<string, unknown>>): UploadFields {
  return {
    isCsv: parseIsCsv(body.is_csv),
    confirmationEmail: parseEmail(body.confirmation_email),
    retentionPeriod: parseRetention(body.retention_period),
    filename: parseFilename(body.filename),
    language: parseLanguage(body.language),
  };
}

function decodeDocument(value: unknown, maxDecodedFileSize: number): Buffer {
  if (value === undefined || value === null) throw new ApiError(400, 'No document upload');
  if (typeof value !== 'string') throw new ApiError(400, 'Document is not base64 encoded');
  const text = value.replace(WHITESPACE, '');
  if (!BASE64.test(text) || text.length % 4 === 1 || (text.includes('=') && text.length % 4 !== 0)) {
    throw new ApiError(400, 'Document is not base64 encoded');
  }
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const decodedLength = Math.floor((text.length * 3) / 4) - (text.length % 4 === 0 ? padding : 0);
  if (decodedLength > maxDecodedFileSize) throw new ApiError(413, FILE_TOO_LARGE);
  const content = Buffer.from(text, 'base64');
  if (content.length === 0) throw new ApiError(400, 'Document must not be empty');
  return content;
}

function parseIsCsv(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new ApiError(400, 'Value for is_csv must be a boolean');
  return value;
}

function parseEmail(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, 'Confirmation email must be a string.');
  const email = validateEmailAddress(value);
  if (email === undefined) throw new ApiError(400, 'Not a valid email address');
  return email.toLowerCase();
}

function parseLanguage(value: unknown): DocumentLanguage | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'en' || value === 'cy') return value;
  throw new ApiError(400, "`language` must be 'en' (English) or 'cy' (Welsh)");
}

function parseRetention(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const weeks = typeof value === 'string' ? parseRetentionWeeks(value) : undefined;
  if (weeks === undefined) {
    throw new ApiError(400, "Retention period must be a string of the format '<1-78> weeks'.");
  }
  return `${weeks} weeks`;
}

function parseFilename(value: unknown): string | undefined {
  // As in Notify's API, only an absent (or null) filename means none; "" has no extension and is refused below.
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ApiError(400, '`filename` must be a string');
  if ([...value].length > MAX_FILENAME_LENGTH) {
    throw new ApiError(400, `\`filename\` cannot be longer than ${MAX_FILENAME_LENGTH} characters`);
  }
  if (FORBIDDEN_IN_FILENAME.test(value)) {
    throw new ApiError(
      400,
      '`filename` cannot contain control characters or invisible formatting characters (such as bidirectional text controls or line separators)',
    );
  }
  if (LONE_SURROGATE.test(value)) throw new ApiError(400, '`filename` must be valid Unicode text');
  if (!value.includes('.')) {
    throw new ApiError(400, '`filename` must end with a file extension. For example, filename.csv');
  }
  // Notify's wording for every extension it does not know, an empty one ("name.") included.
  const extension = filenameExtension(value) ?? '';
  if (!Object.hasOwn(MIMETYPE_BY_EXTENSION, extension)) {
    throw new ApiError(
      400,
      `Unsupported file type '.${extension}'. Supported types are: ${allowedExtensionsList()}`,
    );
  }
  return value;
}
