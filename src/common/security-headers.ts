import { randomBase64 } from './random-values.js';

/** 128 bits, base64: a fresh value for every response. */
export function newCspNonce(): string {
  return randomBase64(16);
}

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'nonce-{nonce}'",
  "connect-src 'self'",
  "object-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "style-src 'self' 'nonce-{nonce}'",
  "frame-ancestors 'self'",
  "frame-src 'self'",
].join('; ');
// The policy split around its two nonces, so each response only concatenates.
const [CSP_HEAD, CSP_MIDDLE, CSP_TAIL] = CSP_DIRECTIVES.split('{nonce}') as [string, string, string];

export function contentSecurityPolicy(nonce: string): string {
  return CSP_HEAD + nonce + CSP_MIDDLE + nonce + CSP_TAIL;
}

/** `X-Robots-Tag`: no page nor file of this service is indexed, nor its links followed. */
export const ROBOTS_TAG = 'noindex, nofollow';
/** `Referrer-Policy`: a document's URL (its key included) never leaks onwards. */
export const REFERRER_POLICY = 'no-referrer';

/** The headers every answer about a document carries, the API's included: not indexed, its URL not passed on. */
export const PRIVATE_HEADERS: Readonly<Record<string, string>> = {
  'X-Robots-Tag': ROBOTS_TAG,
  'Referrer-Policy': REFERRER_POLICY,
};

/** `Cache-Control` of a page (or a status answer): nothing keeps a copy. */
export const PAGE_CACHE_CONTROL = 'no-store, no-cache, private, must-revalidate';
/** `Cache-Control` of an answer no cache may keep (an access token, a redirect to a document's page, metrics). */
export const NO_STORE = 'no-store';
/** `Cache-Control` of a document's file: for the recipient's browser only, and not kept even there. */
export const PRIVATE_NO_STORE = 'private, no-store';

const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'X-Robots-Tag': ROBOTS_TAG,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'Referrer-Policy': REFERRER_POLICY,
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains; preload',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'geolocation=(), microphone=(), camera=(), autoplay=(), payment=(), sync-xhr=()',
};

/**
 * Every header the frontend puts on every response (GOV.UK's security baseline), with the CSP built around this response's nonce. That
 * includes `Cache-Control: no-store…`: only the fingerprinted static assets replace it with their own.
 */
export function securityHeaders(nonce: string): Record<string, string> {
  return {
    ...STATIC_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'Cache-Control': PAGE_CACHE_CONTROL,
  };
}

/**
 * The same headers, in the same order, as name-value pairs with the CSP left out, for a server that sets them
 * one by one on each response without building an object for it: these, then the CSP, then `Cache-Control`.
 * The names are in lower case, as Fastify stores and sends them: it lower-cases every name it is given, and a
 * name already in lower case costs it no new string.
 */
export const FIXED_SECURITY_HEADERS: readonly (readonly [string, string])[] = Object.freeze(
  Object.entries(STATIC_HEADERS).map(([name, value]) => Object.freeze([name.toLowerCase(), value] as const)),
);
