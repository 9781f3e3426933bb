import { decodeKey, isUuid } from '../../common/ids.js';
import { ApiError } from '../errors.js';

/** A UUID path segment (lowercased); anything else is a 404, as Notify's `<uuid:…>` routes answer. */
export function uuidParam(value: string | undefined): string {
  if (value === undefined || !isUuid(value)) throw new ApiError(404, 'Not found');
  return value.toLowerCase();
}

/** `did` or `did.ext` (the extension is only there for browsers; any is accepted, as Notify does). */
export function documentIdParam(value: string | undefined): string {
  const dot = value?.indexOf('.') ?? -1;
  return uuidParam(dot >= 0 ? value?.slice(0, dot) : value);
}

/** The document key from `?key=` or a JSON field: 400 when missing or not 32 bytes of base64url. */
export function keyParam(value: unknown): Buffer {
  if (value === undefined || value === null || value === '')
    throw new ApiError(400, 'Missing decryption key');
  const key = typeof value === 'string' ? decodeKey(value) : undefined;
  if (!key) throw new ApiError(400, 'Invalid decryption key');
  return key;
}

/** The `?key=` of a read route; a repeated `key` is as invalid as a malformed one. */
export function keyQuery(value: unknown): Buffer {
  return keyParam(Array.isArray(value) ? Symbol('repeated') : value);
}
