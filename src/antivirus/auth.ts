import { createHash, timingSafeEqual } from 'node:crypto';
import { AntivirusHttpError } from './upload.js';

/**
 * `Authorization: Bearer {ANTIVIRUS_API_KEY}`: 401 without a bearer token, 403 with a wrong one (compared as
 * SHA-256 digests, in constant time).
 */
export function makeBearerCheck(apiKey: string): (header: string | undefined) => void {
  const expected = digest(apiKey);
  return (header) => {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AntivirusHttpError(401, 'Unauthorized, authentication token must be provided');
    if (!timingSafeEqual(digest(match[1] as string), expected)) {
      throw new AntivirusHttpError(403, 'Forbidden, invalid authentication token provided');
    }
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
