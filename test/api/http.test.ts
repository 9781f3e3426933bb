import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64url } from '../../src/common/ids.js';
import { LocalDocumentStore } from '../../src/api/store/local-store.js';
import {
  AUTH_TOKEN,
  SERVICE_ID,
  local,
  startAntivirusStub,
  startApi,
  upload,
  uploadBody,
  type RunningApi,
} from '../helpers/api-harness.js';
import { SAMPLES, csv, pdf, png, txt } from '../../harness/samples.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';

const NOTIFY_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';
const EMAIL = 'recipient.person@example.com';

let api: RunningApi;
let store: LocalDocumentStore;
let storeDir: string;
const secrets: string[] = [];

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'dd-http-'));
  store = new LocalDocumentStore({ root: storeDir });
  api = await startApi({}, { store });
});
afterAll(async () => {
  await api.close();
  await rm(storeDir, { recursive: true, force: true });
});

function remember<T extends { body: { document?: { direct_file_url?: string } } }>(answer: T): T {
  const url = answer.body.document?.direct_file_url;
  if (url) secrets.push(new URL(url).searchParams.get('key') as string);
  return answer;
}

function keyOf(directFileUrl: string): string {
  return new URL(directFileUrl).searchParams.get('key') as string;
}

function checkUrl(directFileUrl: string): string {
  const url = new URL(directFileUrl);
  return `${api.url}${url.pathname.replace(/\.[a-z]+$/, '')}/check${url.search}`;
}

function authenticateUrl(directFileUrl: string): string {
  const url = new URL(directFileUrl);
  return `${api.url}${url.pathname.replace(/\.[a-z]+$/, '')}/authenticate`;
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function authenticate(directFileUrl: string, email: unknown, key: unknown = keyOf(directFileUrl)) {
  const response = await fetch(authenticateUrl(directFileUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ key, email_address: email }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, string>,
  };
}

/** A document written straight into the store (as an operator, Notify's API or time would leave it). */
async function stored(
  overrides: Partial<{
    createdAt: Date;
    retentionPeriod: string;
    hashedRecipientEmail: string;
    filename: string;
    mimetype: string;
    content: Buffer;
  }> = {},
) {
  const documentId = randomUUID();
  const key = randomBytes(32);
  await store.put({
    serviceId: SERVICE_ID,
    documentId,
    key,
    content: overrides.content ?? pdf(),
    metadata: {
      mimetype: overrides.mimetype ?? 'application/pdf',
      createdAt: overrides.createdAt ?? new Date(),
      retentionPeriod: overrides.retentionPeriod ?? '26 weeks',
      ...(overrides.hashedRecipientEmail ? { hashedRecipientEmail: overrides.hashedRecipientEmail } : {}),
      ...(overrides.filename ? { filename: overrides.filename } : {}),
    },
  });
  const b64 = bytesToBase64url(key);
  secrets.push(b64);
  return {
    documentId,
    key: b64,
    directFileUrl: `https://download.frontend.test${documentApiPaths.download(SERVICE_ID, documentId, 'pdf')}?key=${b64}`,
  };
}

describe('status', () => {
  it('answers on its /services/ status route without caching', async () => {
    const response = await fetch(`${api.url}${documentApiRoutes.servicesStatus}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toMatch(/no-store/);
  });
});

describe('upload', () => {
  it('needs a bearer token: 401 without, 403 wrong, any configured token works', async () => {
    const body = uploadBody(pdf());
    expect((await post(documentApiPaths.upload(SERVICE_ID), body, { Authorization: '' })).status).toBe(401);
    const none = await fetch(`${api.url}${documentApiPaths.upload(SERVICE_ID)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'Unauthorized; bearer token must be provided' });
    const wrong = await post(documentApiPaths.upload(SERVICE_ID), body, { Authorization: 'Bearer nope' });
    expect(wrong).toMatchObject({
      status: 403,
      body: { error: 'Forbidden; invalid bearer token provided' },
    });
    expect(
      (await post(documentApiPaths.upload(SERVICE_ID), body, { Authorization: 'Bearer other-token' })).status,
    ).toBe(201);
  });

  it.each(Object.entries(SAMPLES))('stores a %s and gives it back byte for byte', async (name, sample) => {
    const content = sample.build();
    const answer = remember(await upload(api, content, name === 'csv' ? { is_csv: true } : {}));
    expect(answer.status).toBe(201);
    const { document } = answer.body;
    expect(document.mimetype).toBe(sample.mimetype);
    expect(document.id).toMatch(/^[0-9a-f-]{36}$/);
    const key = keyOf(document.direct_file_url);
    expect(document.direct_file_url).toMatch(
      new RegExp(
        `^https://download\\.frontend\\.test${documentApiPaths.download(SERVICE_ID, document.id)}\\.[a-z]+\\?key=[A-Za-z0-9_-]{43}$`,
      ),
    );
    expect(document.url).toMatch(
      /^https:\/\/frontend\.test\/d\/AAAAABERIiIzM0RERERERA\/[A-Za-z0-9_-]{22}\?key=/,
    );
    expect(document.url.endsWith(`?key=${key}`)).toBe(true);
    const download = await fetch(local(api, document.direct_file_url));
    expect(download.status).toBe(200);
    // Text types name their charset, as Notify's API sends them.
    const charset = sample.mimetype.startsWith('text/') ? '; charset=utf-8' : '';
    expect(download.headers.get('content-type')).toBe(`${sample.mimetype}${charset}`);
    expect(download.headers.get('content-length')).toBe(String(content.length));
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it('treats plain text as CSV when told, and lets the filename decide among allowed types', async () => {
    expect((await upload(api, csv())).body.document.mimetype).toBe('text/csv');
    expect((await upload(api, txt())).body.document.mimetype).toBe('text/plain');
    expect((await upload(api, txt(), { is_csv: true })).body.document.mimetype).toBe('text/csv');
    expect((await upload(api, csv(), { filename: 'data.txt' })).body.document.mimetype).toBe('text/plain');
    expect((await upload(api, txt(), { filename: 'notes.csv' })).body.document.mimetype).toBe('text/csv');
    const named = await upload(api, png(), { filename: 'photo.PNG' });
    expect(named.body.document.mimetype).toBe('image/png');
    expect(named.body.document.direct_file_url).toMatch(/\.png\?key=/);
    const jpg = await upload(api, SAMPLES.jpeg!.build(), { filename: 'photo.jpg' });
    expect(jpg.body.document.direct_file_url).toMatch(/\.jpg\?key=/);
  });

  it('refuses disallowed types', async () => {
    const zipOnly = await upload(api, Buffer.from('PK\u0003\u0004' + '\u0000'.repeat(40)));
    expect(zipOnly.status).toBe(400);
    const binary = await upload(api, randomBytes(1000));
    expect(binary).toMatchObject({ status: 400 });
    expect(binary.body.error).toMatch(
      /^Unsupported file type '.+'\. Supported types are: '\.csv', '\.doc', '\.docx'/,
    );
    const gif = await upload(api, Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;'));
    expect(gif.body.error).toMatch(/Unsupported file type 'image\/gif'/);
  });

  it('validates every field with a clear 400', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{}, /No document upload/],
      [{ document: 12 }, /not base64/],
      [{ document: 'not base64!' }, /not base64/],
      [{ document: 'QUJD=' }, /not base64/],
      [{ document: '' }, /empty/],
      [{ document: pdf().toString('base64'), is_csv: 'yes' }, /is_csv must be a boolean/],
      [{ document: pdf().toString('base64'), confirmation_email: 5 }, /Confirmation email must be a string/],
      [
        { document: pdf().toString('base64'), confirmation_email: 'not-an-email' },
        /Not a valid email address/,
      ],
      [{ document: pdf().toString('base64'), retention_period: '79 weeks' }, /Retention period/],
      [{ document: pdf().toString('base64'), retention_period: 3 }, /Retention period/],
      [{ document: pdf().toString('base64'), filename: 7 }, /filename` must be a string/],
      [
        { document: pdf().toString('base64'), filename: `${'a'.repeat(97)}.pdf` },
        /cannot be longer than 100/,
      ],
      [{ document: pdf().toString('base64'), filename: 'noextension' }, /must end with a file extension/],
      [{ document: pdf().toString('base64'), filename: 'virus.exe' }, /Unsupported file type '\.exe'/],
      [{ document: pdf().toString('base64'), filename: 'bad\r\nname.pdf' }, /control characters/],
    ];
    for (const [body, message] of cases) {
      const answer = await post(documentApiPaths.upload(SERVICE_ID), JSON.stringify(body));
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.body.error).toMatch(message);
    }
    for (const body of ['[]', 'null', '"text"', '{bad json']) {
      const answer = await post(documentApiPaths.upload(SERVICE_ID), body);
      expect(answer.status).toBe(400);
      expect(typeof answer.body.error).toBe('string');
    }
  });

  it('accepts base64 with line breaks and retention periods as Notify writes them', async () => {
    const wrapped = pdf().toString('base64').replace(/.{76}/g, '$&\r\n');
    const answer = await post(
      documentApiPaths.upload(SERVICE_ID),
      JSON.stringify({ document: wrapped, retention_period: '1 week' }),
    );
    expect(answer.status).toBe(201);
  });

  it('answers 413 in JSON for a file over 2 MiB + 1 KiB and a body over 3 MiB', async () => {
    const limit = 2 * 1024 * 1024 + 1024;
    const justRight = await upload(api, Buffer.concat([pdf(), Buffer.alloc(limit - pdf().length, 0x20)]));
    expect(justRight.status).toBe(201);
    const tooBig = await upload(api, Buffer.concat([pdf(), Buffer.alloc(limit - pdf().length + 1, 0x20)]));
    expect(tooBig).toMatchObject({ status: 413, body: { error: 'Uploaded file exceeds file size limit' } });
    const hugeBody = await post(
      documentApiPaths.upload(SERVICE_ID),
      JSON.stringify({ document: 'A'.repeat(3 * 1024 * 1024) }),
    );
    expect(hugeBody).toMatchObject({ status: 413, body: { error: 'Uploaded file exceeds file size limit' } });
  });

  it('answers 415 for other content types, 404 for unknown routes and ids, all in JSON', async () => {
    const text = await post(documentApiPaths.upload(SERVICE_ID), 'document=abc', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(text.status).toBe(415);
    expect(text.body.error).toMatch(/content type/i);
    expect((await post(documentApiPaths.upload('not-a-uuid'), uploadBody(pdf()))).status).toBe(404);
    const missing = await fetch(`${api.url}/nothing/here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'Not found' });
    const method = await fetch(`${api.url}${documentApiPaths.upload(SERVICE_ID)}`, { method: 'PUT' });
    expect(method.status).toBe(404);
  });
});

describe('check', () => {
  it('describes a document for the frontend as its document API client reads it, cacheable for 30 minutes', async () => {
    const answer = remember(
      await upload(api, csv(), {
        filename: 'Résumé, 2024.csv',
        confirmation_email: EMAIL,
        retention_period: '4 weeks',
      }),
    );
    const direct = answer.body.document.direct_file_url as string;
    const response = await fetch(checkUrl(direct));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('max-age=1800');
    const { document } = (await response.json()) as { document: Record<string, unknown> };
    const until = new Date(Date.now() + 28 * 86_400_000).toLocaleDateString('en-CA', {
      timeZone: 'Europe/London',
    });
    expect(document).toEqual({
      direct_file_url: direct,
      confirm_email: true,
      size_in_bytes: csv().length,
      file_extension: 'csv',
      filename: 'Résumé, 2024.csv',
      available_until: until,
    });
  });

  it('gives 400 for a missing or undecodable key, 404 for a wrong key or unknown document', async () => {
    const { documentId, key } = await stored();
    const base = `${api.url}${documentApiPaths.check(SERVICE_ID, documentId)}`;
    expect(await (await fetch(base)).json()).toEqual({ error: 'Missing decryption key' });
    expect((await fetch(base)).status).toBe(400);
    for (const bad of ['abc', `${key}x`, '%00', `${key}&key=${key}`]) {
      const response = await fetch(`${base}?key=${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.json()).toEqual({ error: 'Invalid decryption key' });
    }
    const wrong = await fetch(`${base}?key=${bytesToBase64url(randomBytes(32))}`);
    expect(wrong.status).toBe(404);
    expect(
      (await fetch(`${api.url}${documentApiPaths.check(SERVICE_ID, randomUUID())}?key=${key}`)).status,
    ).toBe(404);
    expect((await fetch(`${api.url}${documentApiPaths.check(SERVICE_ID, 'nope')}?key=${key}`)).status).toBe(
      404,
    );
  });

  it('403 when blocked (everywhere), 410 when expired (and a read deletes nothing)', async () => {
    const blocked = await stored({ hashedRecipientEmail: NOTIFY_HASH });
    await store.setBlocked(SERVICE_ID, blocked.documentId, true);
    expect((await fetch(checkUrl(blocked.directFileUrl))).status).toBe(403);
    expect((await fetch(local(api, blocked.directFileUrl))).status).toBe(403);
    expect((await authenticate(blocked.directFileUrl, 'test@example.com')).status).toBe(403);

    const expired = await stored({
      createdAt: new Date(Date.now() - 8 * 86_400_000),
      retentionPeriod: '1 week',
    });
    const response = await fetch(checkUrl(expired.directFileUrl));
    expect(response.status).toBe(410);
    expect(await response.json()).toEqual({ error: 'The document is no longer available' });
    expect((await fetch(checkUrl(expired.directFileUrl))).status).toBe(410);
  });
});

describe('download', () => {
  it('uses the filename: content type from its extension, attachment for csv/txt/rtf, unicode per RFC 6266', async () => {
    const named = remember(await upload(api, csv(), { filename: 'Résumé “final”.csv' }));
    const response = await fetch(local(api, named.body.document.direct_file_url));
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Resume final.csv"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%9Cfinal%E2%80%9D.csv`,
    );
    expect(response.headers.get('x-robots-tag')).toBe('noindex, nofollow');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    await response.arrayBuffer();

    const unnamed = remember(await upload(api, pdf()));
    const { id } = unnamed.body.document;
    const inline = await fetch(local(api, unnamed.body.document.direct_file_url));
    expect(inline.headers.get('content-disposition')).toBe(`inline; filename=${id}.pdf`);
    await inline.arrayBuffer();
    const plain = remember(await upload(api, txt()));
    const attachment = await fetch(local(api, plain.body.document.direct_file_url));
    expect(attachment.headers.get('content-disposition')).toMatch(
      /^attachment; filename=[0-9a-f-]{36}\.txt$/,
    );
    await attachment.arrayBuffer();
  });

  it('works with and without the extension in the path', async () => {
    const answer = remember(await upload(api, pdf()));
    const url = new URL(answer.body.document.direct_file_url);
    const withoutExtension = `${api.url}${url.pathname.replace(/\.pdf$/, '')}${url.search}`;
    const response = await fetch(withoutExtension);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(pdf())).toBe(true);
  });

  it('serves ranges for resumed downloads', async () => {
    const content = Buffer.concat([pdf(), randomBytes(200_000)]);
    const answer = remember(await upload(api, content));
    const url = local(api, answer.body.document.direct_file_url);
    const partial = await fetch(url, { headers: { Range: 'bytes=70000-140000' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 70000-140000/${content.length}`);
    expect(partial.headers.get('content-length')).toBe('70001');
    expect(Buffer.from(await partial.arrayBuffer()).equals(content.subarray(70000, 140001))).toBe(true);
    const tail = await fetch(url, { headers: { Range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(content.subarray(-10))).toBe(true);
    const beyond = await fetch(url, { headers: { Range: `bytes=${content.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${content.length}`);
    expect(await beyond.json()).toEqual({ error: 'Requested range not satisfiable' });
    const etag = partial.headers.get('etag') as string;
    const stale = await fetch(url, { headers: { Range: 'bytes=0-1', 'If-Range': '"other"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    const fresh = await fetch(url, { headers: { Range: 'bytes=0-1', 'If-Range': etag } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
  });

  it('sends recipients of email-protected files to the recipient link until the cookie verifies', async () => {
    const answer = remember(await upload(api, pdf(), { confirmation_email: EMAIL }));
    const { direct_file_url: direct, url: recipientLink } = answer.body.document;
    const gated = await fetch(local(api, direct), { redirect: 'manual' });
    expect(gated.status).toBe(302);
    expect(gated.headers.get('location')).toBe(recipientLink);

    const ok = await authenticate(direct, ` ${EMAIL.toUpperCase()} `);
    expect(ok.status).toBe(200);
    expect(ok.body.direct_file_url).toBe(direct);
    secrets.push(ok.body.signed_data as string);
    const withCookie = await fetch(local(api, direct), {
      headers: { Cookie: `other=1; document_access_signed_data=${ok.body.signed_data}` },
    });
    expect(withCookie.status).toBe(200);
    expect(Buffer.from(await withCookie.arrayBuffer()).equals(pdf())).toBe(true);

    const other = remember(await upload(api, pdf(), { confirmation_email: EMAIL }));
    const reused = await fetch(local(api, other.body.document.direct_file_url), {
      redirect: 'manual',
      headers: { Cookie: `document_access_signed_data=${ok.body.signed_data}` },
    });
    expect(reused.status).toBe(302);
    const tampered = await fetch(local(api, direct), {
      redirect: 'manual',
      headers: { Cookie: `document_access_signed_data=${ok.body.signed_data}x` },
    });
    expect(tampered.status).toBe(302);
  });
});

describe('authenticate', () => {
  it("verifies an email hash written by Notify's API", async () => {
    const doc = await stored({ hashedRecipientEmail: NOTIFY_HASH });
    const answer = await authenticate(doc.directFileUrl, 'Test@Example.com');
    expect(answer.status).toBe(200);
    expect(answer.body.signed_data).toMatch(/^\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{27}$/);
    secrets.push(answer.body.signed_data as string);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('400 for missing or bad input, 403 for the wrong email or a document without one', async () => {
    const doc = await stored({ hashedRecipientEmail: NOTIFY_HASH });
    expect(await authenticate(doc.directFileUrl, 'test@example.com', null)).toMatchObject({
      status: 400,
      body: { error: 'Missing decryption key' },
    });
    expect(await authenticate(doc.directFileUrl, 'test@example.com', 'short')).toMatchObject({
      status: 400,
      body: { error: 'Invalid decryption key' },
    });
    expect(await authenticate(doc.directFileUrl, 'test@example.com', 42)).toMatchObject({
      status: 400,
      body: { error: 'Invalid decryption key' },
    });
    expect(await authenticate(doc.directFileUrl, undefined)).toMatchObject({
      status: 400,
      body: { error: 'No email address' },
    });
    expect(await authenticate(doc.directFileUrl, 'nope')).toMatchObject({
      status: 400,
      body: { error: 'Invalid email address' },
    });
    expect(await authenticate(doc.directFileUrl, ['test@example.com'])).toMatchObject({ status: 400 });
    expect(await authenticate(doc.directFileUrl, 'someone.else@example.com')).toMatchObject({
      status: 403,
      body: { error: 'Authentication failure' },
    });
    const wrongKey = await authenticate(
      doc.directFileUrl,
      'test@example.com',
      bytesToBase64url(randomBytes(32)),
    );
    expect(wrongKey.status).toBe(403);
    const open = await stored();
    expect((await authenticate(open.directFileUrl, 'test@example.com')).status).toBe(403);
  });
});

describe('logs', () => {
  it('never contain keys, emails, tokens or signed data', () => {
    const text = api.logs.text();
    expect(text).not.toMatch(/key=(?!REDACTED)/i);
    expect(api.logs.lines.length).toBeGreaterThan(50);
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    for (const forbidden of [
      EMAIL,
      EMAIL.toUpperCase(),
      'test@example.com',
      AUTH_TOKEN,
      'other-token',
      NOTIFY_HASH.slice(30),
    ]) {
      expect(text.toLowerCase().includes(forbidden.toLowerCase()), forbidden).toBe(false);
    }
  });
});

describe('antivirus', () => {
  let stub: Awaited<ReturnType<typeof startAntivirusStub>>;
  let scanned: RunningApi;

  beforeAll(async () => {
    stub = await startAntivirusStub();
    scanned = await startApi({
      ANTIVIRUS_ENABLED: 'true',
      ANTIVIRUS_API_HOST: stub.url,
      ANTIVIRUS_API_KEY: 'antivirus-secret',
    });
  });
  afterAll(async () => {
    await scanned.close();
    await stub.close();
  });

  const check = (body: string, service = SERVICE_ID) =>
    fetch(`${scanned.url}${documentApiPaths.antivirusAndMimetypeCheck(service)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
      body,
    });

  it("scans uploads with Notify's contract before storing", async () => {
    const before = stub.requests.length;
    const answer = await upload(scanned, pdf('clean'));
    expect(answer.status).toBe(201);
    const request = stub.requests[before];
    expect(request?.headers.authorization).toBe('Bearer antivirus-secret');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request?.body.includes('name="document"')).toBe(true);
    expect(request?.body.includes(pdf('clean'))).toBe(true);
  });

  it('refuses a virus with 400 and answers 503 when the scanner is down', async () => {
    const eicar = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*');
    expect(await upload(scanned, eicar)).toMatchObject({
      status: 400,
      body: { error: 'File did not pass the virus scan' },
    });
    stub.mode.down = true;
    try {
      expect(await upload(scanned, pdf('while down'))).toMatchObject({
        status: 503,
        body: { error: 'Antivirus API error' },
      });
      // An outage is not cached: once the scanner is back the same file passes.
    } finally {
      stub.mode.down = false;
    }
    expect((await upload(scanned, pdf('while down'))).status).toBe(201);
  });

  it('answers 504 in JSON when the scanner hangs past the request deadline', async () => {
    const hurried = await startApi({
      ANTIVIRUS_ENABLED: 'true',
      ANTIVIRUS_API_HOST: stub.url,
      ANTIVIRUS_API_KEY: 'antivirus-secret',
      HTTP_SERVE_TIMEOUT_SECONDS: '1',
    });
    stub.mode.hang = true;
    try {
      const started = Date.now();
      const answer = await upload(hurried, pdf('slow scan'));
      expect(answer).toMatchObject({ status: 504, body: { error: 'Request timed out' } });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      stub.mode.hang = false;
      await hurried.close();
    }
  });

  it('checks without storing, cached for the same content, extension/is_csv and service', async () => {
    const body = uploadBody(csv(), { is_csv: true });
    const before = stub.requests.length;
    const first = await check(body);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ mimetype: 'text/csv' });
    expect(await (await check(body)).json()).toEqual({ mimetype: 'text/csv' });
    expect(stub.requests.length).toBe(before + 1);
    expect(await (await check(uploadBody(csv(), { is_csv: false }))).json()).toEqual({
      mimetype: 'text/csv',
    });
    expect(await (await check(uploadBody(csv(), { filename: 'a.txt' }))).json()).toEqual({
      mimetype: 'text/plain',
    });
    expect((await check(body, '99999999-1111-2222-3333-444444444444')).status).toBe(200);
    expect(stub.requests.length).toBe(before + 4);
    const bad = await check(uploadBody(randomBytes(100)));
    expect(bad.status).toBe(400);
    expect((await check(body, 'nope')).status).toBe(404);
    const unauthenticated = await fetch(
      `${scanned.url}${documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID)}`,
      { method: 'POST', body },
    );
    expect(unauthenticated.status).toBe(401);
  });
});
