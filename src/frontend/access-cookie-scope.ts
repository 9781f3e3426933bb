import { isIP } from 'node:net';

/**
 * The Domain for the access cookie: the API lives on the `download.` subdomain of the frontend's domain, so
 * the cookie is set for the parent. Hosts without dots (localhost) and IP addresses get no Domain at all.
 */
export function accessCookieDomain(apiBaseUrl: string): string | undefined {
  const host = new URL(apiBaseUrl).hostname;
  if (isIP(host.replace(/^\[|\]$/g, '')) || !host.includes('.')) return undefined;
  const parent = host.startsWith('download.') ? host.slice('download.'.length) : host;
  return parent.includes('.') ? parent : undefined;
}

/** The path the cookie is scoped to: that of the file URL the API returned. */
export function accessCookiePath(directFileUrl: string): string {
  return new URL(directFileUrl).pathname;
}
