const REDACTED = 'REDACTED';

// Query parameters whose values are secrets wherever they appear.
const SECRET_PARAMS = /([?&](?:key|email|email_address|token|signed_data)=)[^&#\s]*/gi;
// Email addresses, raw or percent-encoded ("%40").
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;

/** Removes document keys, email addresses and bearer tokens from text that is about to be logged. */
export function redactSecrets(text: string): string {
  return text
    .replace(SECRET_PARAMS, `$1${REDACTED}`)
    .replace(EMAIL, REDACTED)
    .replace(BEARER, `$1${REDACTED}`);
}
