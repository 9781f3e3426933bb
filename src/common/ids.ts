import { randomBytes } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Strict base64url (no padding) to bytes; undefined for anything that is not canonical base64url. */
export function base64urlToBytes(value: string): Buffer | undefined {
  if (!BASE64URL_PATTERN.test(value) || value.length % 4 === 1) return undefined;
  // Reject non-canonical encodings (stray low bits in the last character) so one id has one spelling.
  if (!hasNoStrayBits(value)) return undefined;
  return Buffer.from(value, 'base64url');
}

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Two characters left over after the last group of four carry one byte and 4 spare bits, three carry two bytes
 * and 2 spare bits: a canonical encoder leaves those bits zero.
 */
function hasNoStrayBits(value: string): boolean {
  const leftOver = value.length % 4;
  if (leftOver === 0) return true;
  const lastIndex = BASE64URL_ALPHABET.indexOf(value.charAt(value.length - 1));
  return (lastIndex & (leftOver === 2 ? 0b1111 : 0b11)) === 0;
}

export function bytesToBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A UUID as the 22-character base64url of its 16 raw bytes, as the recipient link carries it. */
export function uuidToBase64url(uuid: string): string {
  if (!isUuid(uuid)) throw new Error('not a UUID');
  return bytesToBase64url(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

/** The UUID from a link segment, or undefined when the segment is not 16 bytes of base64url. */
export function base64urlToUuid(value: string): string | undefined {
  // Notify's links drop the "==" padding, but accept it when present.
  const unpadded = value.endsWith('==') ? value.slice(0, -2) : value;
  if (unpadded.length !== 22) return undefined;
  const bytes = base64urlToBytes(unpadded);
  if (!bytes || bytes.length !== 16) return undefined;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const KEY_BYTES = 32;

export function generateKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The 32-byte document key from its base64url text, or undefined when it is not exactly that. */
export function decodeKey(value: string): Buffer | undefined {
  const unpadded = value.endsWith('=') ? value.replace(/=+$/, '') : value;
  if (unpadded.length !== 43) return undefined;
  const bytes = base64urlToBytes(unpadded);
  return bytes && bytes.length === KEY_BYTES ? bytes : undefined;
}
