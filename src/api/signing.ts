import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long the access token the frontend keeps in its cookie lets a recipient download without re-confirming. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
const PURPOSE = 'document-download-access.v1';

interface Claims {
  s: string;
  d: string;
  exp: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${PURPOSE}.${payload}`).digest();
}

/** `signed_data`: base64url(JSON claims) "." base64url(HMAC-SHA256), binding service, document and expiry. */
export function signAccessToken(
  secret: string,
  serviceId: string,
  documentId: string,
  nowMs = Date.now(),
): string {
  const claims: Claims = {
    s: serviceId.toLowerCase(),
    d: documentId.toLowerCase(),
    exp: Math.floor(nowMs / 1000) + ACCESS_TOKEN_LIFETIME_SECONDS,
  };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** True only for an untampered, unexpired token made for exactly this service and document. */
export function verifyAccessToken(
  secret: string,
  token: string | undefined,
  serviceId: string,
  documentId: string,
  nowMs = Date.now(),
): boolean {
  if (!token || token.length > 1024) return false;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return false;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(secret, payload);
  // Constant-time comparison of the MAC (its length is public, so a wrong length can fail at once).
  const same = given.length === expected.length && timingSafeEqual(given, expected);
  if (!same) return false;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return false;
  }
  if (typeof claims !== 'object' || claims === null) return false;
  const { s, d, exp } = claims as Partial<Claims>;
  return (
    s === serviceId.toLowerCase() &&
    d === documentId.toLowerCase() &&
    typeof exp === 'number' &&
    exp * 1000 > nowMs
  );
}
