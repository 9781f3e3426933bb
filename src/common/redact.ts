const REDACTED = 'REDACTED';

// Query parameters whose values are secrets wherever they appear.
const SECRET_PARAMS = /([?&;](?:key|email|email_address|token|signed_data)=)[^&#\s]*/gi;
// Email addresses, raw or percent-encoded ("%40").
const EMAIL = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]+/g;
/** What each pattern above needs to match: most lines (an access line, say) have none of it. */
const MIGHT_HOLD_SECRET = /[=@]|%40|Bearer/;

/**
 * Removes document keys, email addresses and bearer tokens from free text that is about to be logged (error
 * messages, say). A best effort for text whose shape is not known: request targets are never logged raw, see
 * `loggablePath` and `loggableQueryNames`.
 */
export function redactSecrets(text: string): string {
  if (!MIGHT_HOLD_SECRET.test(text)) return text;
  return text
    .replace(SECRET_PARAMS, `$1${REDACTED}`)
    .replace(EMAIL, REDACTED)
    .replace(BEARER, `$1${REDACTED}`);
}

/**
 * A path segment that can be logged as sent: ids (UUIDs, base64url UUIDs), words, file names. Nothing with
 * percent-encoding or punctuation (an encoded `?key=` or an email), and nothing as long as a key (43 chars).
 */
const LOGGABLE_SEGMENT = /^[A-Za-z0-9._~-]{0,36}$/;
const MAX_LOGGED_PATH = 300;
/** A path whose every segment is loggable (the usual case): logged as it is. */
const LOGGABLE_PATH = /^(?:\/[A-Za-z0-9._~-]{0,36})+$/;

/** The path of a request target as it may be logged: every segment that could hold a secret becomes `*`. */
export function loggablePath(target: string): string {
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path.length <= MAX_LOGGED_PATH && LOGGABLE_PATH.test(path)) return path;
  const safe = path
    .split('/')
    .map((segment) => (LOGGABLE_SEGMENT.test(segment) ? segment : '*'))
    .join('/');
  return safe.length > MAX_LOGGED_PATH ? `${safe.slice(0, MAX_LOGGED_PATH)}…` : safe;
}

/** Query parameter names the apps read: logged by name (never their values). */
const KNOWN_QUERY_NAMES = new Set(['key', 'lang']);

/**
 * The query's parameter names as they may be logged, in order: a name the apps read (however it is
 * percent-encoded) as itself, any other as `other`, since a mangled link can put a key or an email in a name
 * (`?{key}`, `?key%3D{key}`). Values are never looked at.
 */
export function loggableQueryNames(target: string): string[] {
  const start = target.indexOf('?');
  if (start === -1) return [];
  const hash = target.indexOf('#', start);
  const query = target.slice(start + 1, hash === -1 ? undefined : hash);
  if (query === '') return [];
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = decodeName(equals === -1 ? pair : pair.slice(0, equals));
    return KNOWN_QUERY_NAMES.has(name) ? name : 'other';
  });
}

function decodeName(name: string): string {
  if (!name.includes('%') && !name.includes('+')) return name;
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
