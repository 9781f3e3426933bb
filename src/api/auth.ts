import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/**
 * Bearer token check for the sending side (upload, file checks): 401 without a token, 403 with a wrong one.
 * Tokens are compared as SHA-256 digests in constant time, against every configured token.
 */
export function makeAuthCheck(
  tokens: readonly string[],
  /** The service a per-service token may upload for (the services file), if any. */
  serviceForToken?: (token: string) => string | undefined,
): (header: string | undefined, serviceId: string) => void {
  const digests = tokens.map((token) => createHash('sha256').update(token).digest());
  return (header, serviceId) => {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError(401, 'Unauthorized; bearer token must be provided');
    const given = createHash('sha256')
      .update(match[1] as string)
      .digest();
    let ok = false;
    for (const digest of digests) ok = timingSafeEqual(digest, given) || ok;
    if (!ok && serviceForToken) ok = serviceForToken(match[1] as string) === serviceId;
    if (!ok) throw new ApiError(403, 'Forbidden; invalid bearer token provided');
  };
}
