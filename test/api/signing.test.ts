import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64url } from '../../src/common/ids.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  signAccessToken,
  signSessionPayload,
  verifyAccessToken,
  verifySessionPayload,
} from '../../src/api/signing.js';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import { startApi, type RunningApi } from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

// Test vectors made by Flask's own session serializer (SecureCookieSessionInterface().get_signing_serializer,
// Flask 2.2 / itsdangerous 2.1 and again Flask 3.1 / itsdangerous 2.2) with the clock at ISSUED_AT.
const SECRET = 'vector-secret-key-one';
const SID = '0d2e9b6a-7e4f-4c3a-9f1e-2b8d6c5a4e31';
const DID = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const ISSUED_AT = 1796194912;
const ISSUED_MS = ISSUED_AT * 1000;
const DAY_MS = 86_400_000;
/** Flask's signature of {"service_id": SID, "document_id": DID} with the ids as strings. */
const STRING_IDS_VECTOR =
  '.eJwlyzEOwjAMAMC_eMZS4jhxw2eQYztSB0CClgX17x16-_3B37Y_47U9Voc7TBa1nAbWxQy5CKHWJpgi0SArztLhBt_4_FaL6ySn6KMpSvBEtqLYZw6ksXizqhwlw3ECizcejw.aw_CYA.SAxS9sYBXjylTY6Fa7htr_91pVc';
/**
 * The same with the ids as uuid.UUID objects, which is what Notify's API signs (its routes are `<uuid:…>`, so
 * the ids are UUIDs, tagged `{" u": hex}` by Flask) and what its verifier compares against.
 */
const NOTIFY_VECTOR =
  '.eJxNyzEOwyAMAMCvVJ47gDE45DOVsY3EkERKmy4Rf-_a2-8GO_TafP-8hsF6w-OCFTqxaAwtL6qUGCUXDh6woSYjrjCf8PbzO9T_WzD02oqwUydNUnt0bIsVzUKeIsz5A3AKIT0.aw_CYA.WVNRrUQGaGsAFGKtTLWazhNVOqM';
/** Flask's signature of {"a": 1}: too short to be worth compressing. */
const UNCOMPRESSED_VECTOR = 'eyJhIjoxfQ.aw_CYA.O2akDQI77KQPOuga6IoxIBRH6Ls';

/** A token in the format this API issued before (base64url(claims).HMAC-SHA256), made here for the test. */
function previousFormatToken(secret: string, nowMs: number): string {
  const claims = { s: SID, d: DID, exp: Math.floor(nowMs / 1000) + ACCESS_TOKEN_LIFETIME_SECONDS };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const mac = createHmac('sha256', secret).update(`document-download-access.v1.${payload}`).digest();
  return `${payload}.${mac.toString('base64url')}`;
}

/** The token with one character of the given part (0 payload, 1 timestamp, 2 signature) changed. */
function tampered(token: string, part: 0 | 1 | 2): string {
  const compressed = token.startsWith('.');
  const parts = (compressed ? token.slice(1) : token).split('.');
  const text = parts[part] as string;
  const index = Math.floor(text.length / 2);
  parts[part] = `${text.slice(0, index)}${text[index] === 'A' ? 'B' : 'A'}${text.slice(index + 1)}`;
  return `${compressed ? '.' : ''}${parts.join('.')}`;
}

describe("Flask's session-cookie format", () => {
  it('reproduces Flask byte for byte, compressed and not', () => {
    const stringIds = JSON.stringify({ document_id: DID, service_id: SID });
    expect(signSessionPayload(SECRET, stringIds, ISSUED_AT)).toBe(STRING_IDS_VECTOR);
    expect(signSessionPayload(SECRET, '{"a":1}', ISSUED_AT)).toBe(UNCOMPRESSED_VECTOR);
  });

  it('reads back what Flask signed, within the max age only', () => {
    expect(verifySessionPayload(SECRET, UNCOMPRESSED_VECTOR, ISSUED_AT, 10)).toEqual({ a: 1 });
    expect(verifySessionPayload(SECRET, UNCOMPRESSED_VECTOR, ISSUED_AT + 10, 10)).toEqual({ a: 1 });
    expect(verifySessionPayload(SECRET, UNCOMPRESSED_VECTOR, ISSUED_AT + 11, 10)).toBeUndefined();
    expect(verifySessionPayload('another-secret', UNCOMPRESSED_VECTOR, ISSUED_AT, 10)).toBeUndefined();
  });

  it('refuses a signed payload that inflates past the bound (no zip bomb)', () => {
    const bomb = `{"a":"${' '.repeat(1_000_000)}"}`;
    const token = signSessionPayload(SECRET, bomb, ISSUED_AT);
    expect(token.length).toBeLessThan(4096);
    expect(verifySessionPayload(SECRET, token, ISSUED_AT, 10)).toBeUndefined();
  });
});

describe('signed_data (access token)', () => {
  it("issues exactly what Notify's API issues for the same ids, secret and time", () => {
    expect(signAccessToken(SECRET, SID, DID, ISSUED_MS)).toBe(NOTIFY_VECTOR);
    expect(signAccessToken(SECRET, SID, DID, ISSUED_MS + 999)).toBe(NOTIFY_VECTOR);
  });

  it.each([
    ['Notify (UUID ids)', NOTIFY_VECTOR],
    ['Flask with string ids', STRING_IDS_VECTOR],
  ])('verifies the %s vector from its issue time to 30 days after, and not a second later', (_, token) => {
    expect(verifyAccessToken(SECRET, token, SID, DID, ISSUED_MS)).toBe(true);
    expect(verifyAccessToken(SECRET, token, SID.toUpperCase(), DID.toUpperCase(), ISSUED_MS)).toBe(true);
    expect(verifyAccessToken(SECRET, token, SID, DID, ISSUED_MS + 29 * DAY_MS)).toBe(true);
    expect(verifyAccessToken(SECRET, token, SID, DID, ISSUED_MS + 30 * DAY_MS + 999)).toBe(true);
    expect(verifyAccessToken(SECRET, token, SID, DID, ISSUED_MS + 30 * DAY_MS + 1000)).toBe(false);
  });

  it('tolerates a minute of clock difference between replicas, not more', () => {
    expect(verifyAccessToken(SECRET, NOTIFY_VECTOR, SID, DID, ISSUED_MS - 60_000)).toBe(true);
    expect(verifyAccessToken(SECRET, NOTIFY_VECTOR, SID, DID, ISSUED_MS - 61_000)).toBe(false);
  });

  it('is bound to its service and document, and to the secret', () => {
    const otherId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    expect(verifyAccessToken(SECRET, NOTIFY_VECTOR, SID, otherId, ISSUED_MS)).toBe(false);
    expect(verifyAccessToken(SECRET, NOTIFY_VECTOR, otherId, DID, ISSUED_MS)).toBe(false);
    expect(verifyAccessToken(SECRET, NOTIFY_VECTOR, DID, SID, ISSUED_MS)).toBe(false);
    expect(verifyAccessToken('vector-secret-key-two', NOTIFY_VECTOR, SID, DID, ISSUED_MS)).toBe(false);
  });

  it('refuses a token with any part changed', () => {
    for (const token of [NOTIFY_VECTOR, STRING_IDS_VECTOR]) {
      for (const part of [0, 1, 2] as const) {
        expect(verifyAccessToken(SECRET, tampered(token, part), SID, DID, ISSUED_MS)).toBe(false);
      }
      expect(verifyAccessToken(SECRET, token.slice(1), SID, DID, ISSUED_MS)).toBe(false);
      expect(verifyAccessToken(SECRET, `${token}x`, SID, DID, ISSUED_MS)).toBe(false);
      expect(verifyAccessToken(SECRET, `${token}=`, SID, DID, ISSUED_MS)).toBe(false);
    }
  });

  it('refuses correctly signed payloads that are not exactly {service_id, document_id}', () => {
    const sign = (value: unknown) => signSessionPayload(SECRET, JSON.stringify(value), ISSUED_AT);
    for (const payload of [
      { document_id: DID },
      { document_id: DID, service_id: SID, extra: 1 },
      { document_id: { ' u': DID.replaceAll('-', ''), x: 1 }, service_id: SID },
      { document_id: { ' x': DID }, service_id: SID },
      { document_id: [DID], service_id: SID },
      { document_id: 'not-a-uuid', service_id: SID },
      [DID, SID],
      'text',
      null,
    ]) {
      expect(verifyAccessToken(SECRET, sign(payload), SID, DID, ISSUED_MS)).toBe(false);
    }
    expect(verifyAccessToken(SECRET, sign({ document_id: DID, service_id: SID }), SID, DID, ISSUED_MS)).toBe(
      true,
    );
  });

  it("refuses this API's previous HMAC-SHA256 format (no transition period) and junk", () => {
    const previous = previousFormatToken(SECRET, ISSUED_MS);
    expect(verifyAccessToken(SECRET, previous, SID, DID, ISSUED_MS)).toBe(false);
    for (const junk of [
      undefined,
      '',
      '.',
      '..',
      'a.b.c',
      '.a.b.c',
      'x'.repeat(5000),
      `${'a'.repeat(4100)}.a.b`,
    ]) {
      expect(verifyAccessToken(SECRET, junk, SID, DID, ISSUED_MS)).toBe(false);
    }
    const random = `.${bytesToBase64url(randomBytes(60))}.aw_CYA.${bytesToBase64url(randomBytes(20))}`;
    expect(verifyAccessToken(SECRET, random, SID, DID, ISSUED_MS)).toBe(false);
  });
});

describe('signed_data over HTTP, with the clock pinned', () => {
  const key = randomBytes(32);
  const clock = { nowMs: ISSUED_MS };
  let api: RunningApi;
  let storeDir: string;
  let fileUrl: string;

  beforeAll(async () => {
    storeDir = await mkdtemp(join(tmpdir(), 'dd-signing-'));
    const store = new LocalDocumentStore({ root: storeDir });
    await store.put({
      serviceId: SID,
      documentId: DID,
      key,
      content: pdf(),
      metadata: {
        mimetype: 'application/pdf',
        createdAt: new Date(ISSUED_MS),
        retentionPeriod: '78 weeks',
        hashedRecipientEmail: '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ',
      },
    });
    api = await startApi({ SECRET_KEY: SECRET }, { store, now: () => new Date(clock.nowMs) });
    fileUrl = `${api.url}${documentApiPaths.download(SID, DID, 'pdf')}?key=${bytesToBase64url(key)}`;
  });
  afterAll(async () => {
    await api?.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  async function download(token: string): Promise<number> {
    const response = await fetch(fileUrl, {
      redirect: 'manual',
      headers: { Cookie: `document_access_signed_data=${token}` },
    });
    await response.arrayBuffer();
    return response.status;
  }

  it("authenticate answers with Notify's token, byte for byte", async () => {
    clock.nowMs = ISSUED_MS + 400;
    const response = await fetch(`${api.url}${documentApiPaths.authenticate(SID, DID)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: bytesToBase64url(key), email_address: 'test@example.com' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { signed_data: string }).signed_data).toBe(NOTIFY_VECTOR);
  });

  it('a download with either vector as the cookie is served for 30 days, then sent back to confirm', async () => {
    for (const token of [NOTIFY_VECTOR, STRING_IDS_VECTOR]) {
      clock.nowMs = ISSUED_MS;
      expect(await download(token)).toBe(200);
      clock.nowMs = ISSUED_MS + 30 * DAY_MS;
      expect(await download(token)).toBe(200);
      clock.nowMs = ISSUED_MS + 30 * DAY_MS + 1000;
      expect(await download(token)).toBe(302);
    }
    clock.nowMs = ISSUED_MS;
    expect(await download(tampered(NOTIFY_VECTOR, 2))).toBe(302);
    expect(await download(previousFormatToken(SECRET, ISSUED_MS))).toBe(302);
  });
});
