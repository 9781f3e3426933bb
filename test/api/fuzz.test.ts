import { createHash, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, SERVICE_ID, startApi, type RunningApi } from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

// A small seeded generator, so a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(20241126);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (max: number) => Math.floor(rand() * max);

function junkString(): string {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz0123456789',
    'ABCDEF0123456789-_=+/',
    '<>"\'&;%{}[]()$`\\|!?*~^#@:,.',
    'éü€文字😀\u202e\u200b',
    '%00%0d%0a%2e%2f%5c%ff%zz',
  ];
  let out = '';
  const length = pick([0, 1, 5, 22, 36, 43, 44, 100, 300]);
  for (let i = 0; i < length; i++) out += pick([...pick(alphabets)]);
  return out;
}

function junkId(): string {
  return pick([
    randomUUID().toUpperCase(),
    'not-a-uuid',
    '',
    '..',
    '%2e%2e',
    junkString(),
    `${randomUUID()}x`,
    '0'.repeat(300),
    randomUUID().replace(/-/g, ''),
  ]);
}

function junkKey(): string {
  return pick([
    '',
    'abc',
    'A'.repeat(43),
    'A'.repeat(44),
    '%',
    '%ZZ',
    junkString(),
    '_'.repeat(43),
    `${'A'.repeat(42)}B`,
    'A'.repeat(5000),
  ]);
}

function junkValue(depth = 0): unknown {
  const choice = int(depth > 2 ? 6 : 9);
  switch (choice) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return rand() * 1e12 - 5e11;
    case 3:
      return junkString();
    case 4:
      return 'x'.repeat(int(20_000));
    case 5:
      return -0;
    case 6:
      return Array.from({ length: int(4) }, () => junkValue(depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: int(4) }, () => [junkString(), junkValue(depth + 1)]));
    default:
      return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
  }
}

/** An upload body that is wrong in at least one way. */
function junkUploadBody(): string {
  const document = pick<unknown>([
    undefined,
    junkValue(),
    '!!!notbase64',
    'QUJD=',
    `${pdf().toString('base64')}%`,
    Buffer.from(createHash('sha512').update(String(rand())).digest()).toString('base64'),
    'A'.repeat(int(100)) + '====',
  ]);
  const fields: Record<string, unknown> = { document };
  for (const name of ['is_csv', 'confirmation_email', 'retention_period', 'filename', junkString()]) {
    if (rand() < 0.5) fields[name] = junkValue();
  }
  return pick([
    JSON.stringify(fields),
    JSON.stringify(fields).slice(0, int(50)),
    `${'['.repeat(int(20_000))}${']'.repeat(int(20_000))}`,
    `{"document": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    '{"__proto__": {"admin": true}, "document": "QUJD"}',
    '{"constructor": {"prototype": {"x": 1}}}',
    JSON.stringify(junkValue()),
    '',
    '\u0000\u0001',
    'null',
  ]);
}

type Attempt = { method: string; path: string; headers: Record<string, string>; body?: string };

function junkRequest(): Attempt {
  const sid = rand() < 0.7 ? SERVICE_ID : junkId();
  const did = rand() < 0.5 ? randomUUID() : junkId();
  const auth = pick([
    `Bearer ${AUTH_TOKEN}`,
    'Bearer',
    'Basic abc',
    `Bearer ${junkString()}`,
    '',
    AUTH_TOKEN,
  ]);
  const kind = int(8);
  const headers: Record<string, string> = {};
  if (rand() < 0.3)
    headers.Cookie = `document_access_signed_data=${junkString()}; ${junkString().replace(/[;=\s]/g, '')}=1`;
  if (rand() < 0.2)
    headers.Range = pick([
      'bytes=',
      'bytes=5-1',
      'bytes=-',
      `bytes=${junkString()}`,
      'items=1-2',
      'bytes=0-1,2-3',
      'bytes=99999999999999999999-',
    ]);
  if (rand() < 0.1) headers['If-Range'] = junkString().replace(/[^\x20-\x7e]/g, '');
  if (rand() < 0.2) headers['X-B3-TraceId'] = junkString().replace(/[^\x20-\x7e]/g, '');
  switch (kind) {
    case 0:
    case 1:
      return {
        method: 'POST',
        path: pick([documentApiPaths.upload(sid), documentApiPaths.antivirusAndMimetypeCheck(sid)]),
        headers: {
          ...headers,
          Authorization: auth,
          'Content-Type': pick([
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=latin1',
            '',
            'junk',
          ]),
        },
        body: junkUploadBody(),
      };
    case 2:
      return {
        method: 'POST',
        path: documentApiPaths.authenticate(sid, did),
        headers: { ...headers, 'Content-Type': pick(['application/json', 'text/plain', 'application/xml']) },
        body: pick([
          JSON.stringify({ key: junkKey(), email_address: junkValue() }),
          JSON.stringify({ key: junkValue(), email_address: 'a@b.com' }),
          JSON.stringify({
            key: 'A'.repeat(43),
            email_address: pick(['not-email', '', ' ', 'a@b', 'x'.repeat(400) + '@example.com']),
          }),
          JSON.stringify(junkValue()),
          'x'.repeat(int(40_000)),
        ]),
      };
    case 3:
    case 4:
      return {
        method: pick(['GET', 'HEAD']),
        path: `${documentApiPaths.download(sid, did)}${pick(['', '.pdf', '.', '.exe', `.${junkString()}`])}?key=${encodeURIComponent(junkKey())}`,
        headers,
      };
    case 5:
      return {
        method: 'GET',
        path: `${documentApiPaths.check(sid, did)}${pick(['', '?key=', `?key=${encodeURIComponent(junkKey())}`, `?key=${junkKey()}&key=${junkKey()}`, `?${junkString()}`])}`,
        headers,
      };
    case 6:
      return {
        method: pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'GET', 'POST']),
        path: pick([
          '/',
          '/services',
          `/services/${sid}`,
          `${documentApiPaths.download(sid, did)}/${junkString()}`,
          `/${encodeURIComponent(junkString())}`,
          '/services/_status/x',
        ]),
        headers,
        ...(rand() < 0.5 ? { body: junkString() } : {}),
      };
    default:
      return {
        method: 'POST',
        path: documentApiPaths.upload(sid),
        headers: { ...headers, Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          document: pdf().toString('base64'),
          ...{
            [pick(['is_csv', 'confirmation_email', 'retention_period', 'filename'])]: pick<unknown>([
              [],
              {},
              0,
              'junk',
              'x'.repeat(200),
              '1 fortnight',
              'a.exe',
              'nodot',
              -1,
              'true',
            ]),
          },
        }),
      };
  }
}

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe('fuzz', () => {
  it('answers thousands of malformed requests with a 4xx JSON error, never a 5xx', async () => {
    const attempts = Array.from({ length: 2000 }, junkRequest);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < attempts.length) {
        const attempt = attempts[next++] as Attempt;
        let status = 0;
        let text = '';
        try {
          const response = await fetch(`${api.url}${attempt.path}`, {
            method: attempt.method,
            // Header values a client library can send (the raw-socket test below sends the rest).
            headers: Object.fromEntries(
              Object.entries(attempt.headers).map(([name, value]) => [
                name,
                value.replace(/[^\x20-\x7e]/g, '?'),
              ]),
            ),
            ...(attempt.body !== undefined && !['GET', 'HEAD'].includes(attempt.method)
              ? { body: attempt.body }
              : {}),
          });
          status = response.status;
          text = await response.text();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const json =
            attempt.method === 'HEAD' ? { error: 'head' } : (JSON.parse(text) as { error?: unknown });
          if (status < 400 || status >= 500 || typeof json.error !== 'string' || json.error === '')
            throw new Error('bad answer');
          if (
            attempt.method !== 'HEAD' &&
            !response.headers.get('content-type')?.startsWith('application/json')
          )
            throw new Error('not JSON');
        } catch (error) {
          failures.push(
            `${attempt.method} ${attempt.path.slice(0, 120)} -> ${status} ${text.slice(0, 120)} (${(error as Error).message})`,
          );
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    console.log(
      `fuzz: ${attempts.length} requests in ${Date.now() - started} ms`,
      Object.fromEntries(statuses),
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect([...statuses.keys()].every((status) => status >= 400 && status < 500)).toBe(true);
    expect(statuses.size).toBeGreaterThanOrEqual(5); // 400, 401, 403, 404, 413/415 … all exercised
    expect(api.logs.lines.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  }, 120_000);

  it('answers requests the HTTP parser refuses with JSON too', async () => {
    const port = new URL(api.url).port;
    const raw = [
      'GET /services/_status HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n',
      'GET /services/_status HTTP/1.1\r\nHost: x\r\nX: \u0000\r\n\r\n',
      'BLAH\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'POST /services/x/documents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello',
      'POST /services/x/documents HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    ];
    for (const request of raw) {
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write(request);
        setTimeout(() => socket.end(), 500);
      });
      expect(answer, JSON.stringify(request.slice(0, 40))).toMatch(/^HTTP\/1\.1 4\d\d /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(typeof (JSON.parse(body) as { error?: unknown }).error).toBe('string');
    }
  });
});
