// End to end: the document API scanning uploads through the antivirus service, in front of a real clamd.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import {
  AUTH_TOKEN,
  SERVICE_ID,
  startApi,
  upload,
  uploadBody,
  type RunningApi,
} from '../helpers/api-harness.js';
import {
  ANTIVIRUS_KEY,
  EICAR,
  startAntivirusService,
  startLocalClamd,
  type LocalClamd,
  type RunningAntivirus,
} from '../helpers/clamd.js';
import { documentApiPaths } from '../../src/common/routes.js';

const clamdDir = mkdtempSync(join(tmpdir(), 'dd-clamd-e2e-'));
let clamd: LocalClamd | undefined;
let av: RunningAntivirus;
let api: RunningApi;

beforeAll(async () => {
  clamd = await startLocalClamd({ dir: clamdDir });
  av = await startAntivirusService(clamd.socketSetting);
  api = await startApi({
    ANTIVIRUS_ENABLED: 'true',
    ANTIVIRUS_API_HOST: av.url,
    ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
  });
});
afterAll(async () => {
  await api?.close();
  await av?.close();
  await clamd?.stop();
  rmSync(clamdDir, { recursive: true, force: true });
});

const check = (content: Buffer) =>
  fetch(`${api.url}${documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
    body: uploadBody(content),
  });

describe('document API → antivirus service → clamd', { timeout: 60_000 }, () => {
  it('stores a clean PDF and refuses EICAR with 400', async () => {
    const clean = await upload(api, samplePdf(['Scanned for real']));
    expect(clean.status).toBe(201);
    expect(clean.body.document.mimetype).toBe('application/pdf');
    expect(await upload(api, EICAR, { filename: 'letter.pdf' })).toEqual({
      status: 400,
      body: { error: 'File did not pass the virus scan' },
    });
  });

  it('answers 503 while clamd is down, and does not remember the outage once it is back', async () => {
    const pdf = samplePdf(['Uploaded during an outage']);
    await clamd?.stop();
    clamd = undefined;
    expect(await upload(api, pdf)).toEqual({ status: 503, body: { error: 'Antivirus API error' } });
    expect(await upload(api, EICAR)).toEqual({ status: 503, body: { error: 'Antivirus API error' } });
    expect((await check(pdf)).status).toBe(503);

    clamd = await startLocalClamd({ dir: clamdDir });
    expect((await upload(api, pdf)).status).toBe(201);
    expect(await upload(api, EICAR)).toEqual({
      status: 400,
      body: { error: 'File did not pass the virus scan' },
    });
    const checked = await check(pdf);
    expect(checked.status).toBe(200);
    expect(await checked.json()).toEqual({ mimetype: 'application/pdf' });
  });
});
