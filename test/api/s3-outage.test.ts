// Storage that is down (nothing listening) or failing (5xx) is an outage: the API answers 503 JSON, not 500, on
// the check, the download and the upload. Its status routes stay 200 meanwhile: they are liveness checks, so a load
// balancer keeps every replica (they all share the one S3) in rotation (docs/scale.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Store } from '../../src/api/store/s3-store.js';
import { freePort } from '../../harness/ports.js';
import { SERVICE_ID, startApi, upload, type RunningApi } from '../helpers/api-harness.js';
import { documentApiPaths, documentApiRoutes } from '../../src/common/routes.js';

const DOCUMENT_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const KEY = Buffer.alloc(32, 7).toString('base64url');

let api: RunningApi | undefined;
let failingS3: Server | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
  failingS3?.close();
  failingS3 = undefined;
});

async function apiOnS3(endpoint: string): Promise<RunningApi> {
  const store = createS3Store({
    bucket: 'outage-test',
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return startApi({}, { store });
}

async function expectOutage(running: RunningApi): Promise<void> {
  const base = `${running.url}${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID)}`;
  for (const url of [`${base}/check?key=${KEY}`, `${base}?key=${KEY}`]) {
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'Service unavailable' });
  }
  const uploaded = await upload(running, Buffer.from('A letter stored while S3 is down.\n'), {
    filename: 'letter.txt',
  });
  expect(uploaded).toEqual({ status: 503, body: { error: 'Service unavailable' } });
  expect(running.logs.text()).toContain('S3 PutObject failed'); // it got as far as storing
  // Liveness, not readiness (a decision): the replica still reports itself up.
  for (const path of [documentApiRoutes.servicesStatus, documentApiRoutes.status]) {
    const response = await fetch(`${running.url}${path}`);
    expect(response.status, path).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  }
}

describe('S3 outage', () => {
  it('answers 503 when nothing listens at the S3 endpoint', async () => {
    api = await apiOnS3(`http://127.0.0.1:${await freePort()}`);
    await expectOutage(api);
  });

  it('answers 503 when S3 answers 5xx', async () => {
    failingS3 = createServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0"?><Error><Code>ServiceUnavailable</Code></Error>');
    });
    await new Promise<void>((resolve) => failingS3?.listen(0, '127.0.0.1', resolve));
    api = await apiOnS3(`http://127.0.0.1:${(failingS3.address() as AddressInfo).port}`);
    await expectOutage(api);
  });
});
