import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, SERVICE_ID, type RunningApi } from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import {
  NOTIFY_HASH,
  startApiWithStore,
  storeDocument,
  type ApiWithStore,
} from '../helpers/stored-documents.js';
import { documentApiPaths } from '../../src/common/routes.js';

// The error texts GOV.UK Notify's document download API answers with, checked word for word.
const SUPPORTED =
  "Supported types are: '.csv', '.doc', '.docx', '.jpeg', '.jpg', '.json', '.odt', '.pdf', '.png', '.rtf', '.txt', '.xlsx'";
let running: ApiWithStore;
let api: RunningApi;

beforeAll(async () => {
  running = await startApiWithStore({
    DOCUMENT_AUTHENTICATION_RATE_LIMIT: '2',
    DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS: '300',
  });
  api = running.api;
});
afterAll(() => running.close());

async function call(
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${api.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'Content-Type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

const uploadPaths = [
  documentApiPaths.upload(SERVICE_ID),
  documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID),
];

function send(path: string, body: Record<string, unknown>) {
  return call(path, { method: 'POST', body, headers: { Authorization: `Bearer ${AUTH_TOKEN}` } });
}

/** A document sent to test@example.com, put straight into the store; `key` as it goes in `?key=`. */
async function storedDocument(options: { blocked?: boolean; expired?: boolean } = {}) {
  const stored = await storeDocument(running.store, { ...options, hashedRecipientEmail: NOTIFY_HASH });
  return { path: stored.path, key: stored.keyText };
}

describe('upload and file check', () => {
  const file = pdf().toString('base64');
  it.each([
    ['No document upload', {}],
    ['Document is not base64 encoded', { document: 'not base64!' }],
    ['Document must not be empty', { document: '' }],
    ['Value for is_csv must be a boolean', { document: file, is_csv: 'yes' }],
    ['Confirmation email must be a string.', { document: file, confirmation_email: 5 }],
    ['Not a valid email address', { document: file, confirmation_email: 'not-an-email' }],
    [
      "Retention period must be a string of the format '<1-78> weeks'.",
      { document: file, retention_period: '79 weeks' },
    ],
    [
      '`filename` cannot be longer than 100 characters',
      { document: file, filename: `${'a'.repeat(97)}.pdf` },
    ],
    [
      '`filename` must end with a file extension. For example, filename.csv',
      { document: file, filename: 'noextension' },
    ],
    [
      '`filename` must end with a file extension. For example, filename.csv',
      { document: file, filename: '' },
    ],
    [`Unsupported file type '.exe'. ${SUPPORTED}`, { document: file, filename: 'virus.exe' }],
    [`Unsupported file type '.'. ${SUPPORTED}`, { document: file, filename: 'name.' }],
    [
      `Unsupported file type 'image/gif'. ${SUPPORTED}`,
      // A real 1×1 GIF: six printable bytes alone read as text.
      { document: 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7' },
    ],
  ])('400 %s', async (message, body) => {
    for (const path of uploadPaths) {
      expect(await send(path, body)).toEqual({ status: 400, body: { error: message } });
    }
  });

  it('a decoded file over the limit is 413 "Uploaded file exceeds file size limit"', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 1025, 0x41).toString('base64');
    for (const path of uploadPaths) {
      expect(await send(path, { document: big })).toEqual({
        status: 413,
        body: { error: 'Uploaded file exceeds file size limit' },
      });
    }
  });

  it('a body over MAX_CONTENT_LENGTH gets the same 413; other body errors keep their own messages', async () => {
    const overBody = 'A'.repeat(3 * 1024 * 1024 + 10);
    for (const path of uploadPaths) {
      const raw = (body: string, contentType = 'application/json') =>
        fetch(`${api.url}${path}`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': contentType },
          body,
        }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }));
      expect(await raw(`{"document":"${overBody}"}`)).toEqual({
        status: 413,
        body: { error: 'Uploaded file exceeds file size limit' },
      });
      expect(await raw('{bad json')).toEqual({
        status: 400,
        body: { error: 'Request body is not valid JSON' },
      });
      expect((await raw('document=x', 'application/x-www-form-urlencoded')).status).toBe(415);
      expect(await raw('[]')).toEqual({ status: 400, body: { error: 'Request body must be a JSON object' } });
    }
  });

  it('401 and 403 for the bearer token', async () => {
    for (const path of uploadPaths) {
      expect(await call(path, { method: 'POST', body: { document: file } })).toEqual({
        status: 401,
        body: { error: 'Unauthorized; bearer token must be provided' },
      });
      // Notify appends the token it was given; this API never echoes a secret back.
      expect(
        await call(path, {
          method: 'POST',
          body: { document: file },
          headers: { Authorization: 'Bearer nope' },
        }),
      ).toEqual({ status: 403, body: { error: 'Forbidden; invalid bearer token provided' } });
    }
  });
});

describe('download and check', () => {
  it('missing, bad, blocked, expired and unknown', async () => {
    const live = await storedDocument();
    const blocked = await storedDocument({ blocked: true });
    const unknown = documentApiPaths.download(SERVICE_ID, randomUUID());
    // One expired document for every read: reads do not delete it (only purge does), so each still answers 410.
    const expired = await storedDocument({ expired: true });
    for (const suffix of ['', '.pdf', '/check']) {
      const at = (path: string, query: string) => call(`${path}${suffix}${query}`);
      expect(await at(live.path, '')).toEqual({ status: 400, body: { error: 'Missing decryption key' } });
      expect(await at(live.path, '?key=short')).toEqual({
        status: 400,
        body: { error: 'Invalid decryption key' },
      });
      expect(await at(blocked.path, `?key=${blocked.key}`)).toEqual({
        status: 403,
        body: { error: 'Access to the document has been blocked' },
      });
      expect(await at(expired.path, `?key=${expired.key}`)).toEqual({
        status: 410,
        body: { error: 'The document is no longer available' },
      });
      expect(await at(unknown, `?key=${live.key}`)).toEqual({
        status: 404,
        body: { error: 'The requested document could not be found' },
      });
    }
  });
});

describe('authenticate', () => {
  it('field errors, failure and the rate limit', async () => {
    const doc = await storedDocument();
    const post = (body: unknown) => call(`${doc.path}/authenticate`, { method: 'POST', body });
    expect(await post({ email_address: 'test@example.com' })).toEqual({
      status: 400,
      body: { error: 'Missing decryption key' },
    });
    expect(await post({ key: 'short', email_address: 'test@example.com' })).toEqual({
      status: 400,
      body: { error: 'Invalid decryption key' },
    });
    expect(await post({ key: doc.key })).toEqual({ status: 400, body: { error: 'No email address' } });
    expect(await post({ key: doc.key, email_address: 'nope' })).toEqual({
      status: 400,
      body: { error: 'Invalid email address' },
    });
    const blocked = await storedDocument({ blocked: true });
    expect(
      await call(`${blocked.path}/authenticate`, {
        method: 'POST',
        body: { key: blocked.key, email_address: 'test@example.com' },
      }),
    ).toEqual({ status: 403, body: { error: 'Access to the document has been blocked' } });
    const wrongEmail = { key: doc.key, email_address: 'someone.else@example.com' };
    expect(await post(wrongEmail)).toEqual({ status: 403, body: { error: 'Authentication failure' } });
    expect(await post(wrongEmail)).toEqual({ status: 403, body: { error: 'Authentication failure' } });
    expect(await post(wrongEmail)).toEqual({
      status: 429,
      body: { error: 'Too many requests - more than 2 in the last 300 seconds' },
    });
  });
});
