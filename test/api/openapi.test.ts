// The committed OpenAPI description (src/api/openapi.json) against the running API: every request below is
// real, and every answer's status, headers and body must be what the description says, so the two cannot drift.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/common/project-files.js';
import { AUTH_TOKEN, local, SERVICE_ID, upload } from '../helpers/api-harness.js';
import { departures, describedResponses, type Answer } from '../helpers/openapi.js';
import { freePort } from '../../harness/ports.js';
import { csv, pdf } from '../../harness/samples.js';
import { startApiWithStore, storeDocument, type ApiWithStore } from '../helpers/stored-documents.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';
import { sendMultipart, type Part, type SendOptions } from './multipart-client.js';

const UPLOAD = '/services/{service_id}/documents';
const FILE_CHECK = '/services/{service_id}/antivirus-and-mimetype-check';
const CHECK = '/services/{service_id}/documents/{document_id}/check';
const AUTHENTICATE = '/services/{service_id}/documents/{document_id}/authenticate';
const DOWNLOAD = '/services/{service_id}/documents/{document_file}';
const EMAIL = 'recipient@example.com';
const OTHER_ID = '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
/** The running API's streamed-upload limit, small enough to pass in a test. */
const STREAMED_LIMIT = 3 * 1024 * 1024;

let running: ApiWithStore;
const seen = new Set<string>();

beforeAll(async () => {
  running = await startApiWithStore({
    DOCUMENT_AUTHENTICATION_RATE_LIMIT: '2',
    MAX_STREAMED_FILE_SIZE: String(STREAMED_LIMIT),
    UPLOAD_STALL_TIMEOUT_SECONDS: '1',
  });
});
afterAll(() => running.close());

/** Sends a request and checks its answer against the description of `method describedPath`. */
async function exchange(
  describedPath: string,
  method: 'GET' | 'POST',
  url: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const response = await fetch(url.startsWith('http') ? url : `${running.api.url}${url}`, {
    method,
    redirect: 'manual',
    ...init,
  });
  const answer = {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
  expect(departures(describedPath, method, answer), `${method} ${url} → ${answer.status}`).toEqual([]);
  seen.add(`${method} ${describedPath} ${answer.status}`);
  return answer;
}

/** Sends a multipart form and checks its answer against the description, as `exchange` does. */
async function exchangeForm(
  describedPath: string,
  path: string,
  parts: Part[],
  options: Omit<SendOptions, 'path'> = {},
): Promise<Answer> {
  const sent = await sendMultipart(running.api, parts, { ...options, path });
  const headers = new Headers();
  for (const [name, value] of Object.entries(sent.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const answer = {
    status: sent.status,
    headers,
    body: Buffer.from(typeof sent.body === 'string' ? sent.body : JSON.stringify(sent.body)),
  };
  expect(departures(describedPath, 'POST', answer), `POST form ${path} → ${answer.status}`).toEqual([]);
  seen.add(`POST ${describedPath} ${answer.status}`);
  return answer;
}

const json = (body: unknown, extra: Record<string, string> = {}) => ({
  headers: { 'Content-Type': 'application/json', ...extra },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const bearer = { Authorization: `Bearer ${AUTH_TOKEN}` };

describe('the OpenAPI description', () => {
  it('is served as committed', async () => {
    const answer = await exchange('/openapi.json', 'GET', '/openapi.json');
    expect(answer.status).toBe(200);
    const committed = await readFile(`${projectRoot}/src/api/openapi.json`, 'utf8');
    expect(JSON.parse(answer.body.toString('utf8'))).toEqual(JSON.parse(committed));
  });

  it('describes the sending side: upload and file check', async () => {
    const file = pdf().toString('base64');
    expect(
      (await exchange(UPLOAD, 'POST', documentApiPaths.upload(SERVICE_ID), json({ document: file }, bearer)))
        .status,
    ).toBe(201);
    expect(
      (
        await exchange(
          FILE_CHECK,
          'POST',
          documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID),
          json({ document: file }, bearer),
        )
      ).status,
    ).toBe(200);
    const tooLarge = Buffer.alloc(2 * 1024 * 1024 + 1024 + 1, 'a').toString('base64');
    for (const [described, path] of [
      [UPLOAD, documentApiPaths.upload],
      [FILE_CHECK, documentApiPaths.antivirusAndMimetypeCheck],
    ] as const) {
      const url = path(SERVICE_ID);
      const answers = [
        await exchange(described, 'POST', url, json({}, bearer)),
        await exchange(described, 'POST', url, json({ document: file, filename: 'letter.xyz' }, bearer)),
        await exchange(
          described,
          'POST',
          url,
          json({ document: file, retention_period: '99 weeks' }, bearer),
        ),
        await exchange(described, 'POST', url, json('{"document":', bearer)),
        await exchange(described, 'POST', url, json({ document: file })),
        await exchange(described, 'POST', url, json({ document: file }, { Authorization: 'Bearer wrong' })),
        await exchange(described, 'POST', path('not-a-service'), json({ document: file }, bearer)),
        await exchange(described, 'POST', url, json({ document: tooLarge }, bearer)),
        await exchange(described, 'POST', url, {
          headers: { ...bearer, 'Content-Type': 'text/plain' },
          body: 'x',
        }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 401, 403, 404, 413, 415]);
      expect(JSON.parse(answers[8]?.body.toString('utf8') ?? '')).toEqual({
        error: 'Unsupported content type: send JSON or a multipart form',
      });
    }
  });

  it('describes the streamed (multipart) upload on both routes, and the language field', async () => {
    const file = pdf();
    const fields: Part[] = [
      { field: 'retention_period', value: '4 weeks' },
      { field: 'filename', value: 'letter.pdf' },
      { field: 'language', value: 'cy' },
    ];
    for (const [described, path, stored] of [
      [UPLOAD, documentApiPaths.upload(SERVICE_ID), 201],
      [FILE_CHECK, documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID), 200],
    ] as const) {
      const answers = [
        await exchangeForm(described, path, [...fields, { file }]),
        await exchangeForm(described, path, [{ field: 'language', value: 'fr' }, { file }]),
        await exchangeForm(described, path, [{ field: 'filename', value: 'x'.repeat(5000) }, { file }]),
        await exchangeForm(described, path, [{ field: 'language', value: 'cy' }]),
        await exchangeForm(described, path, [{ file: Buffer.alloc(STREAMED_LIMIT + 1, 'a') }]),
        await exchangeForm(described, path, [{ file: [file.subarray(0, 100), file.subarray(100)] }], {
          stallAfterPieces: 1,
        }),
        await exchange(described, 'POST', path, {
          headers: { ...bearer, 'Content-Type': 'multipart/form-data' },
          body: 'no boundary',
        }),
        await exchange(
          described,
          'POST',
          path,
          json({ document: file.toString('base64'), language: 'xx' }, bearer),
        ),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([stored, 400, 400, 400, 413, 408, 400, 400]);
      // A 413 that goes while much of the file is still coming says the connection closes.
      const early = await exchangeForm(described, path, [{ file: Buffer.alloc(4 * STREAMED_LIMIT, 'a') }]);
      expect([early.status, early.headers.get('connection')]).toEqual([413, 'close']);
    }

    // The language chosen at upload comes back from the check route.
    const welsh = await upload(running.api, pdf(), { language: 'cy' });
    const check = new URL(welsh.body.document.direct_file_url);
    const checked = await exchange(
      CHECK,
      'GET',
      `${check.pathname.replace(/\.[a-z]+$/, '')}/check${check.search}`,
    );
    expect(JSON.parse(checked.body.toString('utf8')).document.language).toBe('cy');
  });

  it('describes the recipient side: check, authenticate and download', async () => {
    const named = await upload(running.api, pdf(), { confirmation_email: EMAIL, filename: 'Résumé.pdf' });
    const open = await upload(running.api, pdf());
    const blocked = await storeDocument(running.store, { blocked: true });
    const expired = await storeDocument(running.store, { expired: true });

    const checkUrl = (url: string) => {
      const parsed = new URL(url);
      return `${parsed.pathname.replace(/\.[a-z]+$/, '')}/check${parsed.search}`;
    };
    const openUrl = local(running.api, open.body.document.direct_file_url);
    const openCheck = checkUrl(open.body.document.direct_file_url);
    const wrongKey = openCheck.replace(/key=[^&]+/, `key=${'A'.repeat(43)}`);
    const statuses = [
      await exchange(CHECK, 'GET', openCheck),
      await exchange(CHECK, 'GET', openCheck.replace(/\?.*$/, '')),
      await exchange(CHECK, 'GET', `${blocked.path}/check?key=${blocked.keyText}`),
      await exchange(CHECK, 'GET', wrongKey),
      await exchange(CHECK, 'GET', `${expired.path}/check?key=${expired.keyText}`),
    ].map((answer) => answer.status);
    expect(statuses).toEqual([200, 400, 403, 404, 410]);

    const namedKey = new URL(named.body.document.direct_file_url).searchParams.get('key') ?? '';
    const namedPath = documentApiPaths.download(SERVICE_ID, named.body.document.id);
    const authenticate = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      exchange(AUTHENTICATE, 'POST', `${path}/authenticate`, json(body, headers));
    const spare = await storeDocument(running.store, { hashedRecipientEmail: undefined });
    const authenticated = await authenticate(namedPath, { key: namedKey, email_address: EMAIL });
    expect(
      [
        authenticated,
        await authenticate(namedPath, { key: namedKey }),
        await authenticate(`${spare.path}`, { key: spare.keyText, email_address: EMAIL }),
        await authenticate(documentApiPaths.download(SERVICE_ID, 'not-a-document'), {
          key: namedKey,
          email_address: EMAIL,
        }),
        await authenticate(expired.path, { key: expired.keyText, email_address: EMAIL }),
        await authenticate(namedPath, { key: namedKey, email_address: 'x'.repeat(17 * 1024) }),
        await exchange(AUTHENTICATE, 'POST', `${namedPath}/authenticate`, {
          headers: { 'Content-Type': 'text/plain' },
          body: 'x',
        }),
        await authenticate(spare.path, { key: spare.keyText, email_address: EMAIL }),
        await authenticate(spare.path, { key: spare.keyText, email_address: EMAIL }),
      ].map((answer) => answer.status),
    ).toEqual([200, 400, 403, 404, 410, 413, 415, 403, 429]);
    const cookie = `document_access_signed_data=${(JSON.parse(authenticated.body.toString('utf8')) as { signed_data: string }).signed_data}`;

    const namedUrl = local(running.api, named.body.document.direct_file_url);
    const text = await upload(running.api, csv(), { is_csv: true });
    const textDownload = await exchange(
      DOWNLOAD,
      'GET',
      local(running.api, text.body.document.direct_file_url),
    );
    expect(textDownload.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(
      [
        await exchange(DOWNLOAD, 'GET', openUrl),
        await exchange(DOWNLOAD, 'GET', openUrl, { headers: { Range: 'bytes=0-9' } }),
        await exchange(DOWNLOAD, 'GET', namedUrl),
        await exchange(DOWNLOAD, 'GET', namedUrl, { headers: { cookie } }),
        await exchange(DOWNLOAD, 'GET', openUrl.replace(/\?.*$/, '')),
        await exchange(DOWNLOAD, 'GET', `${blocked.path}.pdf?key=${blocked.keyText}`),
        await exchange(
          DOWNLOAD,
          'GET',
          `${documentApiPaths.download(SERVICE_ID, OTHER_ID, 'pdf')}?key=${blocked.keyText}`,
        ),
        await exchange(DOWNLOAD, 'GET', `${expired.path}?key=${expired.keyText}`),
        await exchange(DOWNLOAD, 'GET', openUrl, { headers: { Range: 'bytes=999999-' } }),
      ].map((answer) => answer.status),
    ).toEqual([200, 206, 302, 200, 400, 403, 404, 410, 416]);
  });

  it('describes the health checks', async () => {
    expect((await exchange(documentApiRoutes.status, 'GET', documentApiRoutes.status)).status).toBe(200);
    expect(
      (await exchange(documentApiRoutes.servicesStatus, 'GET', documentApiRoutes.servicesStatus)).status,
    ).toBe(200);
  });

  it('describes the 503s: antivirus unreachable, rate limiter (Redis) unreachable', async () => {
    const nobody = await freePort();
    const down = await startApiWithStore({
      ANTIVIRUS_ENABLED: 'true',
      ANTIVIRUS_API_HOST: `http://127.0.0.1:${nobody}`,
      ANTIVIRUS_API_KEY: 'antivirus-secret',
      REDIS_ENABLED: 'true',
      REDIS_URL: `redis://127.0.0.1:${nobody}`,
    });
    try {
      const file = json({ document: pdf().toString('base64') }, bearer);
      const stored = await storeDocument(down.store);
      const answers = [
        await exchange(UPLOAD, 'POST', `${down.api.url}${documentApiPaths.upload(SERVICE_ID)}`, file),
        await exchange(
          FILE_CHECK,
          'POST',
          `${down.api.url}${documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID)}`,
          file,
        ),
        await exchange(
          AUTHENTICATE,
          'POST',
          `${down.api.url}${stored.path}/authenticate`,
          json({ key: stored.keyText, email_address: EMAIL }),
        ),
      ];
      expect(answers.map((answer) => [answer.status, JSON.parse(answer.body.toString('utf8'))])).toEqual([
        [503, { error: 'Antivirus API error' }],
        [503, { error: 'Antivirus API error' }],
        [503, { error: 'Service unavailable' }],
      ]);
    } finally {
      await down.close();
    }
  });

  it('finds an answer that departs from it', () => {
    const answer = (status: number, body: unknown, extra: Record<string, string> = {}): Answer => ({
      status,
      headers: new Headers({
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        ...extra,
      }),
      body: Buffer.from(JSON.stringify(body)),
    });
    expect(
      departures(
        documentApiRoutes.status,
        'GET',
        answer(200, { status: 'ok' }, { 'Cache-Control': 'no-store' }),
      ),
    ).toEqual(['header Cache-Control: / must be equal to constant (no-store)']);
    expect(departures(CHECK, 'GET', answer(418, {}))).toEqual(['status 418 is not described']);
    expect(departures(CHECK, 'GET', answer(410, { error: 'Gone' }))).toEqual([
      'body /error must be equal to one of the allowed values: {"error":"Gone"}',
    ]);
    expect(
      departures(
        UPLOAD,
        'POST',
        answer(400, { error: "Unsupported file type '.xyz'. Supported types are: '.pdf'" }),
      ),
    ).toHaveLength(4);
    expect(departures(FILE_CHECK, 'POST', answer(200, { mimetype: 'application/zip' }))).toHaveLength(1);
  });

  it('has each of its answers but 500 and 504 given by the running API', () => {
    const unseen = describedResponses().filter(
      (response) => !seen.has(response) && !/ 50[04]$/.test(response),
    );
    expect(unseen).toEqual([]);
  });
});
