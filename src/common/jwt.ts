import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'HS256' })).toString('base64url');

/** Notify's admin-client token: HS256, {"iss", "iat"}, signed with the client's secret. */
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

/** Verifies an HS256 token from `issuer` whose `iat` is within `maxAgeSeconds` of now (either side). */
export function verifyNotifyToken(
  token: string,
  secrets: Record<string, string>,
  maxAgeSeconds = 30,
  nowSeconds = Math.floor(Date.now() / 1000),
): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (!isRecord(header) || header.alg !== 'HS256') return { ok: false, reason: 'unsupported algorithm' };
  if (!isRecord(claims) || typeof claims.iss !== 'string' || typeof claims.iat !== 'number') {
    return { ok: false, reason: 'missing claims' };
  }
  const secret = Object.hasOwn(secrets, claims.iss) ? secrets[claims.iss] : undefined;
  if (secret === undefined) return { ok: false, reason: 'unknown issuer' };
  const expected = createHmac('sha256', secret).update(`${headerPart}.${claimsPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid signature' };
  }
  if (Math.abs(nowSeconds - claims.iat) > maxAgeSeconds) return { ok: false, reason: 'token expired' };
  return { ok: true, issuer: claims.iss, issuedAt: claims.iat };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
