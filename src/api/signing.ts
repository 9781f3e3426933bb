import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { isRecord } from '../common/json.js';

/**
 * `signed_data` in the format GOV.UK Notify's document download API writes: a Flask session cookie, that is
 * itsdangerous' URLSafeTimedSerializer as Flask configures it (salt "cookie-session", key derived as
 * HMAC-SHA1(secret, salt), signature HMAC-SHA1) over Flask's tagged JSON. Written here from those facts:
 *
 *   [.]base64url(payload) "." base64url(timestamp) "." base64url(signature)
 *
 * payload: compact JSON with sorted keys, zlib-compressed (and the token prefixed with ".") when that is more
 * than one byte shorter; timestamp: the issue time in whole seconds, big-endian in as few bytes as it takes;
 * signature: over everything before its dot. Either API verifies what the other issued with the same SECRET_KEY.
 */

/** How long the access token the frontend keeps in its cookie lets a recipient download without re-confirming. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 30 * 24 * 60 * 60;
const SALT = 'cookie-session';
/** Tolerated clock difference between replicas: a token "issued" this far in the future still verifies. */
const CLOCK_SKEW_SECONDS = 60;
/** Far above any real token (a cookie is at most 4 KiB); bounds the work a junk cookie can cause. */
const MAX_TOKEN_LENGTH = 4096;
const MAX_PAYLOAD_BYTES = 16 * 1024;
const TOKEN_SHAPE = /^\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{1,11}\.[A-Za-z0-9_-]{27}$/;
const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function signature(secret: string, signedValue: string): string {
  const key = createHmac('sha1', secret).update(SALT).digest();
  return createHmac('sha1', key).update(signedValue).digest('base64url');
}

/** The timestamp as itsdangerous writes it: big-endian, no leading zero bytes. */
function timestampBytes(seconds: number): Buffer {
  const bytes: number[] = [];
  for (let rest = seconds; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from(bytes);
}

/** Signs a JSON payload (already in Flask's compact, sorted form) as a Flask session cookie issued at `nowSeconds`. */
export function signSessionPayload(secret: string, json: string, nowSeconds: number): string {
  const raw = Buffer.from(json, 'utf8');
  const compressed = deflateSync(raw);
  const payload =
    compressed.length < raw.length - 1 ? `.${compressed.toString('base64url')}` : raw.toString('base64url');
  const signedValue = `${payload}.${timestampBytes(nowSeconds).toString('base64url')}`;
  return `${signedValue}.${signature(secret, signedValue)}`;
}

/**
 * The parsed JSON payload of a Flask session cookie whose signature verifies under `secret` and that was issued
 * at most `maxAgeSeconds` before `nowSeconds`; undefined for anything else.
 */
export function verifySessionPayload(
  secret: string,
  token: string,
  nowSeconds: number,
  maxAgeSeconds: number,
): unknown {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return undefined;
  const lastDot = token.lastIndexOf('.');
  const signedValue = token.slice(0, lastDot);
  const given = Buffer.from(token.slice(lastDot + 1));
  const expected = Buffer.from(signature(secret, signedValue));
  // Constant-time comparison of the signature (its length is fixed by TOKEN_SHAPE).
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;

  const timestampDot = signedValue.lastIndexOf('.');
  const stamp = Buffer.from(signedValue.slice(timestampDot + 1), 'base64url');
  if (stamp.length === 0 || stamp.length > 6) return undefined;
  const age = nowSeconds - stamp.readUIntBE(0, stamp.length);
  if (age > maxAgeSeconds || age < -CLOCK_SKEW_SECONDS) return undefined;

  let payload = signedValue.slice(0, timestampDot);
  const compressed = payload.startsWith('.');
  if (compressed) payload = payload.slice(1);
  try {
    const bytes = Buffer.from(payload, 'base64url');
    const json = compressed ? inflateSync(bytes, { maxOutputLength: MAX_PAYLOAD_BYTES }) : bytes;
    return JSON.parse(json.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A UUID as Flask's tagged JSON writes it (`{" u": hex}`), for Notify's `<uuid:…>` route values. */
function taggedUuid(uuid: string): { ' u': string } {
  return { ' u': uuid.replaceAll('-', '').toLowerCase() };
}

/**
 * A UUID read back from the payload, lowercase with dashes: Flask's tagged form (what Notify's API writes, its ids
 * being UUID objects) or a plain UUID string (what Flask writes for string ids). Anything else is undefined.
 */
function uuidValue(value: unknown): string | undefined {
  let text: unknown = value;
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length !== 1 || entries[0]?.[0] !== ' u') return undefined;
    text = entries[0][1];
  }
  if (typeof text !== 'string' || !UUID_TEXT.test(text)) return undefined;
  const hex = text.replaceAll('-', '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `signed_data` for a recipient who confirmed their email: `{"document_id", "service_id"}` as Notify's API signs it. */
export function signAccessToken(
  secret: string,
  serviceId: string,
  documentId: string,
  nowMs = Date.now(),
): string {
  const json = JSON.stringify({ document_id: taggedUuid(documentId), service_id: taggedUuid(serviceId) });
  return signSessionPayload(secret, json, Math.floor(nowMs / 1000));
}

/** True only for an untampered token, issued at most 30 days ago, made for exactly this service and document. */
export function verifyAccessToken(
  secret: string,
  token: string | undefined,
  serviceId: string,
  documentId: string,
  nowMs = Date.now(),
): boolean {
  if (!token) return false;
  const data = verifySessionPayload(secret, token, Math.floor(nowMs / 1000), ACCESS_TOKEN_LIFETIME_SECONDS);
  if (!isRecord(data)) return false;
  // Notify's API compares the whole payload to {service_id, document_id}: no other keys.
  if (Object.keys(data).length !== 2) return false;
  return (
    uuidValue(data.service_id) === uuidValue(serviceId) &&
    uuidValue(data.document_id) === uuidValue(documentId) &&
    uuidValue(serviceId) !== undefined &&
    uuidValue(documentId) !== undefined
  );
}
