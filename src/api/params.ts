import { decodeKey, isUuid } from '../common/ids.js';
import { ApiError } from './errors.js';

/** A UUID path segment (lowercased); anything else is a 404, as Notify's `<uuid:…>` routes answer. */
export function uuidParam(value: string | undefined): string {
  if (value === undefined || !isUuid(value)) throw new ApiError(404, 'Not found');
  return value.toLowerCase();
}

/** The document key from `?key=` or a JSON field: 400 when missing or not 32 bytes of base64url. */
export function keyParam(value: unknown): Buffer {
  if (value === undefined || value === null || value === '')
    throw new ApiError(400, 'Missing decryption key');
  const key = typeof value === 'string' ? decodeKey(value) : undefined;
  if (!key) throw new ApiError(400, 'Invalid decryption key');
  return key;
}
