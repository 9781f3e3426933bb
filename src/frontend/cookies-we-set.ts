import { ACCESS_COOKIE_NAME } from '../common/access-cookie-name.js';

/** The cookie holding the secret the confirm form's CSRF token is checked against. */
export const CSRF_COOKIE_NAME = '_csrf';

/** What the cookies page tells the recipient about a cookie: its name, and catalogue keys for the rest. */
export interface CookieDescription {
  name: string;
  purposeKey: string;
  expiresKey: string;
}

/**
 * Every cookie these pages set. The cookies page lists exactly these, and a test compares them with the
 * Set-Cookie headers of a whole journey, so a new cookie must be added here to be published.
 */
export const COOKIES_WE_SET: readonly CookieDescription[] = [
  { name: CSRF_COOKIE_NAME, purposeKey: 'cookies.csrf.purpose', expiresKey: 'cookies.csrf.expires' },
  { name: ACCESS_COOKIE_NAME, purposeKey: 'cookies.access.purpose', expiresKey: 'cookies.access.expires' },
];
