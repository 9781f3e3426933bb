// The streamed upload (a multipart form), the `language` field, and the pace rule that replaces the fixed
// request deadline for a streamed body: a real listening API, a local antivirus service, the local store.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  local,
  type RunningApi,
  SERVICE_ID,
  startAntivirusStub,
  startApi,
  upload,
} from '../helpers/api-harness.js';
import { csv, pdf, pdfOfSize } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';
import { filesUnder, type Part, sendMultipart } from './multipart-client.js';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function checkUrl(api: RunningApi, directFileUrl: string): string {
  const url = new URL(directFileUrl);
  return `${api.url}${url.pathname.replace(/\.[a-z]+$/, '')}/check${url.search}`;
}

async function checkOf(api: RunningApi, directFileUrl: string) {
  const response = await fetch(checkUrl(api, directFileUrl));
  expect(response.status).toBe(200);
  return ((await response.json()) as { document: Record<string, unknown> }).document;
}

/** A file's bytes in pieces of `size` (the last may be shorter). */
function split(content: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < content.length; at += size) out.push(content.subarray(at, at + size));
  return out;
}

describe('a streamed upload', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('takes the file and the fields in any order and answers as the JSON upload does', async () => {
    const content = pdfOfSize(300_000);
    const answer = await sendMultipart(api, [
      { field: 'confirmation_email', value: 'Someone@Example.com' },
      { field: 'retention_period', value: '4 weeks' },
      { file: split(content, 64 * 1024) },
      { field: 'filename', value: 'Llythyr.pdf' },
      { field: 'language', value: 'cy' },
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('ok');
    expect(answer.body.document.mimetype).toBe('application/pdf');
    expect(answer.body.document.url).toMatch(/^https:\/\/frontend\.test\/d\//);
    const check = await checkOf(api, answer.body.document.direct_file_url);
    expect(check).toMatchObject({
      confirm_email: true,
      size_in_bytes: content.length,
      filename: 'Llythyr.pdf',
      language: 'cy',
    });
    const url = new URL(answer.body.document.direct_file_url);
    expect(url.pathname.endsWith('.pdf')).toBe(true);
  });

  it('stores exactly the bytes sent', async () => {
    const content = pdfOfSize(2_500_000);
    const answer = await sendMultipart(api, [{ file: split(content, 100_000) }]);
    expect(answer.status).toBe(201);
    const check = await checkOf(api, answer.body.document.direct_file_url);
    expect(check.language).toBeUndefined();
    expect('language' in check).toBe(false);
    const download = await fetch(local(api, answer.body.document.direct_file_url));
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it("lets a filename that comes after the file decide the stored type, as the JSON upload's does", async () => {
    const answer = await sendMultipart(api, [{ file: pdf() }, { field: 'filename', value: 'letter.docx' }]);
    expect(answer.status).toBe(201);
    expect(answer.body.document.mimetype).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    const text = await sendMultipart(api, [{ file: csv() }, { field: 'is_csv', value: 'false' }]);
    expect(text.body.document.mimetype).toBe('text/csv');
  });

  it.each<[string, Part[], number, string]>([
    ['no file', [{ field: 'filename', value: 'a.pdf' }], 400, 'No document upload'],
    ['an empty file', [{ file: Buffer.alloc(0) }], 400, 'Document must not be empty'],
    [
      'is_csv not a boolean',
      [{ field: 'is_csv', value: 'yes' }, { file: pdf() }],
      400,
      'Value for is_csv must be a boolean',
    ],
    [
      'a bad email',
      [{ file: pdf() }, { field: 'confirmation_email', value: 'nope' }],
      400,
      'Not a valid email address',
    ],
    [
      'a bad retention period',
      [{ field: 'retention_period', value: '99 weeks' }, { file: pdf() }],
      400,
      "Retention period must be a string of the format '<1-78> weeks'.",
    ],
    [
      'a filename without an extension',
      [{ file: pdf() }, { field: 'filename', value: 'letter' }],
      400,
      '`filename` must end with a file extension. For example, filename.csv',
    ],
    [
      'an unknown language',
      [{ field: 'language', value: 'fr' }, { file: pdf() }],
      400,
      "`language` must be 'en' (English) or 'cy' (Welsh)",
    ],
    [
      'a field given twice',
      [{ field: 'language', value: 'en' }, { field: 'language', value: 'cy' }, { file: pdf() }],
      400,
      '`language` must be given once',
    ],
    [
      'content of a type not allowed',
      [{ file: Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1') }],
      400,
      'Unsupported file type',
    ],
  ])("answers %s with the JSON upload's message", async (_name, parts, status, message) => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendMultipart(api, parts);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toContain(message);
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });

  it('checks the bearer token before reading the body', async () => {
    const answer = await sendMultipart(api, [{ file: pdf() }], { authorization: 'Bearer wrong' });
    expect(answer.status).toBe(403);
    const none = await sendMultipart(api, [{ file: pdf() }], { authorization: '' });
    expect(none.status).toBe(401);
  });

  it('is accepted by the file check, which stores nothing', async () => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendMultipart(api, [{ file: csv() }, { field: 'is_csv', value: 'true' }], {
      path: documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ mimetype: 'text/csv' });
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });
});

describe('the language field in the JSON upload', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('is stored and returned by the check only when given', async () => {
    const welsh = await upload(api, pdf(), { language: 'cy' });
    expect(welsh.status).toBe(201);
    expect((await checkOf(api, welsh.body.document.direct_file_url)).language).toBe('cy');
    const english = await upload(api, pdf(), { language: 'en' });
    expect((await checkOf(api, english.body.document.direct_file_url)).language).toBe('en');
    const unset = await upload(api, pdf());
    expect('language' in (await checkOf(api, unset.body.document.direct_file_url))).toBe(false);
  });

  it.each([['fr'], ['CY'], [1], [true]])('refuses %j with a clear message', async (language) => {
    const answer = await upload(api, pdf(), { language });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: "`language` must be 'en' (English) or 'cy' (Welsh)" });
  });
});

describe('MAX_STREAMED_FILE_SIZE', () => {
  const LIMIT = 200_000;
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({ MAX_STREAMED_FILE_SIZE: String(LIMIT) });
  });
  afterAll(() => api.close());

  it('takes a file of exactly the limit', async () => {
    const answer = await sendMultipart(api, [{ file: split(pdfOfSize(LIMIT), 50_000) }]);
    expect(answer.status).toBe(201);
  });

  it('answers 413 the moment the file passes it, and stores nothing', async () => {
    const before = await filesUnder(api.dataDir);
    const over = await sendMultipart(api, [{ file: split(pdfOfSize(LIMIT + 1), 50_000) }]);
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: 'Uploaded file exceeds file size limit' });

    // A much larger file is answered while it is still being sent.
    const large = await sendMultipart(api, [{ file: split(pdfOfSize(20 * LIMIT), 50_000) }], { gapMs: 5 });
    expect(large.status).toBe(413);
    expect(large.early).toBe(true);
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });
});

describe('the pace of a streamed upload', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startApi({
      HTTP_SERVE_TIMEOUT_SECONDS: '1',
      UPLOAD_STALL_TIMEOUT_SECONDS: '1',
      UPLOAD_MIN_BYTES_PER_SECOND: '2000',
      UPLOAD_MIN_RATE_WINDOW_SECONDS: '2',
    });
  });
  afterAll(() => api.close());

  it('lets a slow but steady upload finish past the fixed deadline', async () => {
    const content = pdfOfSize(200_000);
    const answer = await sendMultipart(api, [{ file: split(content, 20_000) }], { gapMs: 350 });
    expect(answer.ms).toBeGreaterThan(3000);
    expect(answer.status).toBe(201);
    const download = await fetch(local(api, answer.body.document.direct_file_url));
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it('cuts off a stalled upload in the configured time, and stores nothing', async () => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendMultipart(api, [{ file: split(pdfOfSize(200_000), 20_000) }], {
      stallAfterPieces: 2,
    });
    expect(answer.status).toBe(408);
    expect(answer.body.error).toMatch(/stalled/);
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(2500);
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });

  it('cuts off an upload that crawls below the minimum rate', async () => {
    const answer = await sendMultipart(api, [{ file: split(pdfOfSize(20_000), 200) }], { gapMs: 300 });
    expect(answer.status).toBe(408);
    expect(answer.body.error).toMatch(/too slow/);
    expect(answer.ms).toBeLessThan(4000);
  });

  it('leaves nothing when the client goes away part-way', async () => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendMultipart(api, [{ file: split(pdfOfSize(400_000), 50_000) }], {
      disconnectAfterPieces: 3,
      gapMs: 20,
    });
    expect(answer.status).toBe(0);
    await sleep(300);
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });
});

describe('a streamed upload with the antivirus service', () => {
  let stub: Awaited<ReturnType<typeof startAntivirusStub>>;
  let api: RunningApi;
  beforeAll(async () => {
    stub = await startAntivirusStub();
    api = await startApi({
      ANTIVIRUS_ENABLED: 'true',
      ANTIVIRUS_API_HOST: stub.url,
      ANTIVIRUS_API_KEY: 'antivirus-secret',
    });
  });
  afterAll(async () => {
    await api.close();
    await stub.close();
  });

  it('streams the file to the service as a multipart form, and stores a clean one', async () => {
    const content = pdfOfSize(500_000);
    const answer = await sendMultipart(api, [{ file: split(content, 64 * 1024) }]);
    expect(answer.status).toBe(201);
    const scan = stub.requests.at(-1)!;
    expect(scan.headers.authorization).toBe('Bearer antivirus-secret');
    expect(scan.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(scan.body.includes(content)).toBe(true);
  });

  it('answers 400 for a virus and stores nothing', async () => {
    const before = await filesUnder(api.dataDir);
    const content = Buffer.concat([pdfOfSize(300_000), Buffer.from(EICAR)]);
    const answer = await sendMultipart(api, [{ file: split(content, 64 * 1024) }]);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'File did not pass the virus scan' });
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });
});

describe('an antivirus outage in the middle of a streamed upload', () => {
  let failing: Server;
  let api: RunningApi;
  beforeAll(async () => {
    // Fails as soon as the file starts to arrive, without reading the rest.
    failing = createServer((request, response) => {
      request.once('data', () => {
        response.writeHead(502, { 'Content-Type': 'application/json' }).end('{"error":"clamd is down"}');
        request.socket.destroy();
      });
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    const { port } = failing.address() as AddressInfo;
    api = await startApi({
      ANTIVIRUS_ENABLED: 'true',
      ANTIVIRUS_API_HOST: `http://127.0.0.1:${port}`,
      ANTIVIRUS_API_KEY: 'antivirus-secret',
    });
  });
  afterAll(async () => {
    await api.close();
    failing.closeAllConnections();
    await new Promise((resolve) => failing.close(resolve));
  });

  it('answers 503 while the file is still arriving, and stores nothing', async () => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendMultipart(api, [{ file: split(pdfOfSize(3_000_000), 64 * 1024) }], {
      gapMs: 10,
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'Antivirus API error' });
    expect(answer.early).toBe(true);
    expect(await filesUnder(api.dataDir)).toEqual(before);
  });
});
