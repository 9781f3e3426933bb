import { randomBase64 } from './random-ids.js';

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

const STATIC_HEADERS: Readonly<Record<string, string>> = {
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains; preload',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'geolocation=(), microphone=(), camera=(), autoplay=(), payment=(), sync-xhr=()',
};

export const PAGE_CACHE_CONTROL = 'no-store, no-cache, private, must-revalidate';

/**
 * Every header SPEC 3.3 puts on every response, with the CSP built around this response's nonce. That
 * includes `Cache-Control: no-store…`: only the fingerprinted static assets replace it with their own.
 */
export function securityHeaders(nonce: string): Record<string, string> {
  return {
    ...STATIC_HEADERS,
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'Cache-Control': PAGE_CACHE_CONTROL,
  };
}
