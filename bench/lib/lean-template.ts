/**
 * The lean reference's page, made from a landing answer the frontend gave, and the check that two servers'
 * answers are the same: every header name and value apart from those that change from one response to the
 * next (compared by shape) and date-like ones, and the HTML identical once each answer's nonce is replaced.
 */

/** A captured page: literal text and the places where the lean server puts its own values. */
export interface LeanTemplate {
  parts: (string | { slot: 'nonce' | 'service' | 'contact' | 'continue' })[];
  /** The CSP header split around its two nonces. */
  csp: [string, string, string];
  /** Every other header of the captured answer that is the same on every response (lower-case names). */
  headers: Record<string, string>;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the frontend put into the captured page, to be replaced by slots. */
export interface CapturedValues {
  /** The "Continue" link, as it appears in the page. */
  continueUrl: string;
  serviceName: string;
  contactUrl: string;
}

/** Headers whose value is a time: never compared. */
const DATE_LIKE = new Set(['date', 'last-modified', 'expires', 'age']);
/** Headers the lean server sets itself, per response. */
const PER_RESPONSE = new Set(['content-security-policy', 'x-b3-traceid', 'x-b3-spanid', 'content-length']);
/** node:http's own connection headers. */
const CONNECTION = new Set(['connection', 'keep-alive']);

export async function fetchAnswer(url: string): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual' });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  return { status: response.status, headers, body: await response.text() };
}

export function nonceOf(answer: Answer): string {
  const nonce = /'nonce-([^']+)'/.exec(answer.headers['content-security-policy'] ?? '')?.[1];
  if (!nonce) throw new Error(`no CSP nonce in the answer's headers: ${JSON.stringify(answer.headers)}`);
  return nonce;
}

// What Nunjucks' autoescape does to a value put into the page.
const escapeHtml = (text: string) =>
  text.replace(
    /[&"'<>\\]/g,
    (c) => `&${{ '&': 'amp;', '"': 'quot;', "'": '#39;', '<': 'lt;', '>': 'gt;' }[c] ?? '#92;'}`,
  );

/** Splits `text` at every occurrence of `value`, putting `slot` between the pieces. */
function slotted(
  parts: LeanTemplate['parts'],
  value: string,
  slot: 'nonce' | 'service' | 'contact' | 'continue',
) {
  return parts.flatMap((part) => {
    if (typeof part !== 'string') return [part];
    const pieces = part.split(value);
    return pieces.flatMap((piece, i) => (i === 0 ? [piece] : [{ slot }, piece]));
  });
}

export function makeTemplate(answer: Answer, values: CapturedValues): LeanTemplate {
  const nonce = nonceOf(answer);
  let parts: LeanTemplate['parts'] = [answer.body];
  // Longest first: the link holds ids the other values cannot, the contact URL may hold the service's name.
  parts = slotted(parts, escapeHtml(values.continueUrl), 'continue');
  parts = slotted(parts, escapeHtml(values.contactUrl), 'contact');
  parts = slotted(parts, escapeHtml(values.serviceName), 'service');
  parts = slotted(parts, nonce, 'nonce');
  for (const slot of ['continue', 'contact', 'service', 'nonce']) {
    if (!parts.some((part) => typeof part !== 'string' && part.slot === slot)) {
      throw new Error(`the captured landing page does not show its ${slot}: the template would be wrong`);
    }
  }
  const csp = answer.headers['content-security-policy']!.split(nonce);
  if (csp.length !== 3) throw new Error(`expected the nonce twice in the CSP, got ${csp.length - 1}`);
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(
      ([name]) => !DATE_LIKE.has(name) && !PER_RESPONSE.has(name) && !CONNECTION.has(name),
    ),
  );
  return { parts, csp: csp as [string, string, string], headers };
}

/** A value's shape: hex and base64 runs of the same length look the same. */
const shape = (value: string) => value.replace(/[0-9a-f]/g, 'x');

/**
 * The differences between `actual` and `expected` (empty when they are the same answer). `volatile` names the
 * headers that differ between two answers of the reference server itself: only their shape is compared.
 */
export function differences(expected: Answer, actual: Answer, volatile: ReadonlySet<string>): string[] {
  const found: string[] = [];
  if (expected.status !== actual.status) found.push(`status ${actual.status}, expected ${expected.status}`);
  const names = new Set([...Object.keys(expected.headers), ...Object.keys(actual.headers)]);
  const expectedNonce = nonceOf(expected);
  const actualNonce = nonceOf(actual);
  for (const name of [...names].sort()) {
    if (DATE_LIKE.has(name)) continue;
    const want = expected.headers[name];
    const got = actual.headers[name];
    if (want === undefined || got === undefined) {
      found.push(`header ${name}: ${want === undefined ? 'not expected' : 'missing'}`);
      continue;
    }
    const wantValue = want.replaceAll(expectedNonce, '{nonce}');
    const gotValue = got.replaceAll(actualNonce, '{nonce}');
    const same =
      volatile.has(name) && wantValue !== gotValue
        ? shape(wantValue) === shape(gotValue)
        : wantValue === gotValue;
    if (!same) found.push(`header ${name}: "${got}", expected "${want}"`);
  }
  const wantBody = expected.body.replaceAll(expectedNonce, '{nonce}');
  const gotBody = actual.body.replaceAll(actualNonce, '{nonce}');
  if (wantBody !== gotBody) {
    let at = 0;
    while (at < wantBody.length && wantBody[at] === gotBody[at]) at++;
    found.push(
      `HTML differs from character ${at}: "${gotBody.slice(at, at + 80)}", expected "${wantBody.slice(at, at + 80)}"`,
    );
  }
  return found;
}

/** The headers whose values differ between two answers of the same server (nonce aside). */
export function volatileHeaders(first: Answer, second: Answer): Set<string> {
  const firstNonce = nonceOf(first);
  const secondNonce = nonceOf(second);
  return new Set(
    Object.keys(first.headers).filter(
      (name) =>
        first.headers[name]?.replaceAll(firstNonce, '{nonce}') !==
        second.headers[name]?.replaceAll(secondNonce, '{nonce}'),
    ),
  );
}
