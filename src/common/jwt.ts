import { createHmac } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';

const HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');

/**
 * Notify's admin-client token: HS256, {"iss", "iat"}, signed with the client's secret. Kept synchronous (one
 * HMAC) for the frontend's lookups; what it makes is checked with jose's verifier in the tests.
 */
export function signNotifyToken(
  issuer: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const claims = Buffer.from(JSON.stringify({ iss: issuer, iat: nowSeconds })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${claims}`).digest('base64url');
  return `${HEADER}.${claims}.${signature}`;
}

export type TokenCheck = { ok: true; issuer: string; issuedAt: number } | { ok: false; reason: string };

/**
 * Verifies (with jose, HS256 only) a token from a known issuer whose `iat` is within `maxAgeSeconds` of now,
 * either side, as Notify's `notifications-python-client` does. The issuer is read before verifying, to pick
 * its secret; nothing in the token is trusted until the signature holds.
 */
export async function verifyNotifyToken(
  token: string,
  secrets: Record<string, string>,
  maxAgeSeconds = 30,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<TokenCheck> {
  let alg: unknown;
  let unverified: { iss?: unknown; iat?: unknown };
  try {
    alg = decodeProtectedHeader(token).alg;
    unverified = decodeJwt(token);
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (alg !== 'HS256') return { ok: false, reason: 'unsupported algorithm' };
  const issuer = unverified.iss;
  if (typeof issuer !== 'string' || typeof unverified.iat !== 'number') {
    return { ok: false, reason: 'missing claims' };
  }
  const secret = Object.hasOwn(secrets, issuer) ? secrets[issuer] : undefined;
  if (secret === undefined) return { ok: false, reason: 'unknown issuer' };
  let issuedAt: number;
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      algorithms: ['HS256'],
      issuer,
      currentDate: new Date(nowSeconds * 1000),
    });
    issuedAt = payload.iat as number;
  } catch (error) {
    return { ok: false, reason: failureReason(error) };
  }
  if (Math.abs(nowSeconds - issuedAt) > maxAgeSeconds) return { ok: false, reason: 'token expired' };
  return { ok: true, issuer, issuedAt };
}

function failureReason(error: unknown): string {
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'invalid signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unsupported algorithm';
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return 'invalid claims';
  return 'malformed token';
}
