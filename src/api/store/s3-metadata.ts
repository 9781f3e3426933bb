/**
 * How GOV.UK Notify's document-download-api lays a document's details out in S3, so that objects it wrote read
 * back unchanged and objects we write read back in Notify:
 *
 * - user metadata `hashed-recipient-email` (argon2id PHC string) and `filename`, the filename made ASCII with
 *   Python's `unicode_escape` codec (`café.pdf` is stored as `caf\xe9.pdf`, `☃` as `\u2603`, emoji as `\U0001f600`,
 *   a backslash as `\\`);
 * - tags `created-at` (Python's `datetime.now(UTC).isoformat(timespec="seconds")`, e.g. `2024-05-01T12:34:56+00:00`),
 *   `retention-period` (`"N weeks"`, absent when the sender gave none) and `blocked` (set by an operator; `true` or
 *   `yes` in any case means blocked);
 * - the storage's lifecycle expiry in the `Expiration` response header (`expiry-date="Fri, 01 May 2020 00:00:00 GMT"`).
 */

const HEX = '0123456789abcdef';

function hex(value: number, digits: number): string {
  let out = '';
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += HEX[(value >> shift) & 0xf];
  return out;
}

/** The filename as Python's `str.encode("unicode_escape").decode("ascii")` writes it: printable ASCII only. */
export function escapeFilename(filename: string): string {
  let out = '';
  for (const char of filename) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x10000) out += `\\U${hex(code, 8)}`;
    else if (code >= 0x100) out += `\\u${hex(code, 4)}`;
    else if (code === 0x5c) out += '\\\\';
    else if (code === 0x09) out += '\\t';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code < 0x20 || code >= 0x7f) out += `\\x${hex(code, 2)}`;
    else out += char;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\n': '',
};

const HEX_ESCAPE_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Undoes {@link escapeFilename} the way Python's `bytes.decode("unicode_escape")` does (`\\`, `\'`, `\"`, `\a`, `\b`,
 * `\f`, `\n`, `\r`, `\t`, `\v`, octal `\ooo`, `\xhh`, `\uxxxx`, `\Uxxxxxxxx`). Where Python would raise (a truncated
 * or out-of-range escape, a trailing backslash) or needs its name database (`\N{...}`), the text is kept as it is,
 * as are unknown escapes and any non-ASCII characters another writer may have stored.
 */
export function unescapeFilename(stored: string): string {
  let out = '';
  let i = 0;
  while (i < stored.length) {
    const char = stored[i] as string;
    if (char !== '\\' || i + 1 >= stored.length) {
      out += char;
      i += 1;
      continue;
    }
    const next = stored[i + 1] as string;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (next >= '0' && next <= '7') {
      let digits = next;
      while (digits.length < 3 && /[0-7]/.test(stored[i + 1 + digits.length] ?? '')) {
        digits += stored[i + 1 + digits.length];
      }
      out += String.fromCodePoint(parseInt(digits, 8));
      i += 1 + digits.length;
      continue;
    }
    const length = HEX_ESCAPE_LENGTHS[next];
    if (length !== undefined) {
      const digits = stored.slice(i + 2, i + 2 + length);
      const code = digits.length === length && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : NaN;
      if (code <= 0x10ffff) {
        out += String.fromCodePoint(code);
        i += 2 + length;
        continue;
      }
    }
    // Unknown, malformed or named escape: keep the backslash and go on from the next character.
    out += char;
    i += 1;
  }
  return out;
}

/** An S3 `Tagging` header value (a URL query string) for the given tags; spaces as %20, which every server reads. */
export function encodeTagging(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
}

/**
 * Notify writes tags with Python's `urlencode`, which turns spaces into `+`. AWS S3 reads that `+` as a space;
 * Ceph radosgw keeps it, so `retention-period` may come back as `2+weeks`. Read both as `2 weeks`.
 */
export function normaliseRetentionPeriod(value: string | undefined): string {
  if (value === undefined) return '';
  return value.replace(/\+/g, ' ').trim();
}

/** `created-at` as Notify writes it: UTC, whole seconds, `+00:00` offset. */
export function formatCreatedAt(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

/**
 * A `created-at` tag as a Date, or undefined when it is absent or unreadable. Like Python's
 * `datetime.fromisoformat`, a time without an offset is taken as UTC here (Notify always writes one).
 */
export function parseCreatedAt(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      value.trim(),
    );
  if (!match) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', offset] = match;
  const millis = fraction ? fraction.padEnd(3, '0').slice(0, 3) : '000';
  let zone = 'Z';
  if (offset && offset !== 'Z')
    zone = offset.includes(':') ? offset : `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${zone}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The `expiry-date` from an S3 `Expiration` header (`expiry-date="Fri, 01 May 2020 00:00:00 GMT", rule-id="..."`),
 * exactly as stated (the caller subtracts Notify's day of margin). Undefined when there is none, or when it is not
 * an RFC 1123 date in GMT — Notify refuses other time zones too.
 */
export function parseExpirationHeader(header: string | undefined): Date | undefined {
  if (!header) return undefined;
  const fields = new Map<string, string>();
  for (const match of header.matchAll(/([^=\s,]+?)="(.+?)"/g))
    fields.set(match[1] as string, match[2] as string);
  const expiry = fields.get('expiry-date');
  if (!expiry) return undefined;
  const match = /^(?:[A-Za-z]{3},\s*)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(
    expiry.trim(),
  );
  if (!match) return undefined;
  const [, day, monthName, year, hour, minute, second] = match as unknown as string[];
  const month = MONTHS.indexOf(monthName as string);
  if (month < 0) return undefined;
  const date = new Date(
    Date.UTC(Number(year), month, Number(day), Number(hour), Number(minute), Number(second)),
  );
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Notify's rule: the `blocked` tag (lower-case key) set to `true` or `yes`, in any case. */
export function isBlockedTag(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes'].includes(value.trim().toLowerCase());
}
