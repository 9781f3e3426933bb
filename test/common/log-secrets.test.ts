// No log line of either app holds a key, an email address, a bearer token, signed_data or SECRET_KEY,
// however the request spells them. Both apps on real ports, a generated set of spellings, every line scanned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIRM_PATH,
  DOWNLOAD_PATH,
  FrontendHarness,
  KEY as FRONTEND_KEY,
  LANDING_PATH,
} from '../helpers/frontend-harness.js';
import { rawExchange } from '../helpers/raw-http.js';
import { AUTH_TOKEN, type RunningApi, SERVICE_ID, startApi, upload } from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

const EMAIL = 'private.recipient@example.com';
const SIGNED_DATA = 'eyJzZXJ2aWNlX2lkIjoic2lnbmVkLWRhdGEtc2VjcmV0In0.ZyXwVQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ';
const WRONG_TOKEN = 'wrong-bearer-token-0123456789abcdef';

/** Every spelling of `key` as a parameter name: each letter percent-encoded or not (either hex case), any case. */
export function keyNameSpellings(): string[] {
  const names = new Set<string>();
  const letters = ['k', 'e', 'y'];
  for (let mask = 0; mask < 8; mask += 1) {
    for (const upperHex of [false, true]) {
      const name = letters
        .map((letter, index) => {
          if (!(mask & (1 << index))) return letter;
          const hex = letter.charCodeAt(0).toString(16);
          return `%${upperHex ? hex.toUpperCase() : hex}`;
        })
        .join('');
      names.add(name);
    }
  }
  for (const cased of ['KEY', 'Key', 'kEY', 'keY']) names.add(cased);
  return [...names];
}

/** Query strings that carry `secret` as a key in every malformed way a link can be mangled. */
export function querySpellings(secret: string): string[] {
  const encoded = [...secret].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
  const spellings = keyNameSpellings().map((name) => `?${name}=${secret}`);
  spellings.push(
    `?key=${secret}`,
    `?key=${encoded}`,
    `?x=1;key=${secret}`,
    `?x=1&key=${secret}`,
    `?&&key=${secret}&`,
    `?key=${secret}&key=${secret}`,
    `?key=a&key=${secret}`,
    `?key[]=${secret}`,
    `?key%5B%5D=${secret}`,
    `?key[0]=${secret}`,
    `?key%00=${secret}`,
    `?key=${secret}%00`,
    `?key%3D${secret}`,
    `?${secret}`,
    `?=${secret}`,
    `?key==${secret}`,
    `?+key=${secret}`,
    `?key+=${secret}`,
    `?key=${secret}#fragment`,
    `?x=1#key=${secret}`,
    `?key=${secret};x=1`,
    `?key=${secret}${'a'.repeat(3000)}`,
    `?${'p'.repeat(3000)}=1&key=${secret}`,
    `?key=${secret}&email_address=${EMAIL}`,
    `?email=${encodeURIComponent(EMAIL)}`,
    `?${EMAIL}`,
    `?signed_data=${SIGNED_DATA}`,
    `?token=${WRONG_TOKEN}`,
  );
  return spellings;
}

/** Path spellings that push the secret into the path itself (a lost or encoded `?`). */
function pathSpellings(base: string, secret: string): string[] {
  return [
    `${base}%3Fkey%3D${secret}`,
    `${base}&key=${secret}`,
    `${base}/${secret}`,
    `${base}/key=${secret}`,
    `${base};key=${secret}`,
    `/${encodeURIComponent(EMAIL)}`,
    `/${EMAIL}`,
  ];
}

/** Undoes percent-encoding byte by byte, so an encoded secret in a log line is found too. */
function decodePercents(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function expectNoSecrets(lines: string[], secrets: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const decoded = decodePercents(line);
    for (const secret of secrets) {
      expect(line, 'a log line holds a secret').not.toContain(secret);
      expect(decoded, 'a log line holds an encoded secret').not.toContain(secret);
    }
  }
}

/** One raw GET (fetch would normalise the target): the app sees the exact bytes. */
async function rawGet(port: number, target: string, headers = ''): Promise<number> {
  const exchange = await rawExchange(port, [
    `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${headers}Connection: close\r\n\r\n`,
  ]);
  return exchange.responses[0]?.status ?? 0;
}

describe('frontend logs', () => {
  const harness = new FrontendHarness();
  let port = 0;
  beforeAll(async () => {
    await harness.start({ SECRET_KEY: 'frontend-secret-key-value-4f1c' });
    port = Number(new URL(harness.baseUrl).port);
  });
  afterAll(() => harness.stop());

  it('hold no key, email, token or secret however the request spells them', async () => {
    const targets: string[] = [];
    for (const base of [LANDING_PATH, `${CONFIRM_PATH}`, `${DOWNLOAD_PATH}`]) {
      for (const query of querySpellings(FRONTEND_KEY)) targets.push(`${base}${query}`);
    }
    targets.push(...pathSpellings(LANDING_PATH, FRONTEND_KEY));
    const statuses = new Set<number>();
    for (const target of targets) {
      statuses.add(await rawGet(port, target, `Cookie: document_access_signed_data=${SIGNED_DATA}\r\n`));
    }
    // The spellings reached real pages and errors alike.
    expect(statuses.has(200)).toBe(true);
    expect([...statuses].some((s) => s >= 400)).toBe(true);

    const accessLines = harness.logLines.filter((line) => line.includes('"status":'));
    expect(accessLines.length).toBeGreaterThanOrEqual(targets.length);
    expectNoSecrets(harness.logLines, [
      FRONTEND_KEY,
      FRONTEND_KEY.slice(0, 12),
      EMAIL,
      SIGNED_DATA,
      WRONG_TOKEN,
      'frontend-secret-key-value-4f1c',
    ]);
  });

  it('log the path and the query parameter names, never their values', async () => {
    harness.logLines.length = 0;
    await rawGet(port, `${LANDING_PATH}?k%65y=${FRONTEND_KEY}&utm=x`);
    const access = harness.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.status);
    expect(access).toMatchObject({ method: 'GET', path: LANDING_PATH, query: ['key', 'other'], status: 200 });
    expect(access!.message).toBe('GET /d/:service/:document 200');
  });
});

describe('document API logs', () => {
  let api: RunningApi;
  let port = 0;
  let key = '';
  let documentPath = '';
  const SECRET_KEY = 'api-secret-key-value-9e27c1d0';

  beforeAll(async () => {
    api = await startApi({ SECRET_KEY });
    port = Number(new URL(api.url).port);
    const answer = await upload(api, pdf('logs'), { confirmation_email: EMAIL });
    expect(answer.status).toBe(201);
    const direct = new URL(answer.body.document.direct_file_url as string);
    key = direct.searchParams.get('key')!;
    documentPath = direct.pathname.replace(/\.[a-z]+$/, '');
  });
  afterAll(() => api.close());

  it('hold no key, email, token or secret however the request spells them', async () => {
    const targets: string[] = [];
    for (const base of [documentPath, `${documentPath}.pdf`, `${documentPath}/check`]) {
      for (const query of querySpellings(key)) targets.push(`${base}${query}`);
    }
    targets.push(...pathSpellings(documentPath, key));
    const statuses = new Set<number>();
    for (const target of targets) {
      statuses.add(await rawGet(port, target, `Cookie: document_access_signed_data=${SIGNED_DATA}\r\n`));
    }
    expect(statuses.has(200)).toBe(true); // check answers with the real key
    expect([...statuses].some((s) => s >= 400)).toBe(true);

    // Bodies and headers carrying secrets: authenticate (right and wrong email), uploads with either token.
    for (const email of [EMAIL, `other.${EMAIL}`]) {
      await fetch(`${api.url}${documentPath}/authenticate`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key, email_address: email }),
      });
    }
    await fetch(`${api.url}${documentPath}/authenticate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"key": "${key}", "email_address": "${EMAIL}"`, // not JSON
    });
    for (const token of [AUTH_TOKEN, WRONG_TOKEN]) {
      await fetch(`${api.url}${documentApiPaths.upload(SERVICE_ID)}?key=${key}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ document: pdf('x').toString('base64'), confirmation_email: EMAIL }),
      });
    }

    expectNoSecrets(api.logs.lines, [
      key,
      key.slice(0, 12),
      EMAIL,
      SIGNED_DATA,
      WRONG_TOKEN,
      AUTH_TOKEN,
      SECRET_KEY,
    ]);
  });
});
