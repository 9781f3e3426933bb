// Streamed uploads scanned by a real clamd (scripts/start-clamd.sh) through the antivirus service: EICAR
// anywhere in a large file is found and nothing is stored; clamd going away mid-upload is a 503.
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { local, type RunningApi, startApi } from '../helpers/api-harness.js';
import {
  ANTIVIRUS_KEY,
  EICAR,
  startAntivirusService,
  startLocalClamd,
  type LocalClamd,
  type RunningAntivirus,
} from '../helpers/clamd.js';
import { filesUnder, generatedFile, sendGenerated } from './multipart-client.js';

const MIB = 1024 * 1024;
const SIZE = 60 * MIB;
let clamd: LocalClamd;
let av: RunningAntivirus;
let api: RunningApi;

beforeAll(async () => {
  clamd = await startLocalClamd();
  av = await startAntivirusService(clamd.socketSetting);
  api = await startApi({
    ANTIVIRUS_ENABLED: 'true',
    ANTIVIRUS_API_HOST: av.url,
    ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
  });
}, 120_000);
afterAll(async () => {
  await api?.close();
  await av?.close();
  await clamd?.stop();
});

describe('a 60 MiB streamed upload scanned by clamd', () => {
  it('is stored whole when clean', async () => {
    const answer = await sendGenerated(api, { size: SIZE });
    expect(answer.status).toBe(201);
    expect(answer.body.document.mimetype).toBe('text/plain');
    const expected = createHash('sha256');
    for await (const piece of generatedFile({ size: SIZE })) expected.update(piece);
    const download = await request(local(api, answer.body.document.direct_file_url));
    expect(download.statusCode).toBe(200);
    const got = createHash('sha256');
    for await (const piece of download.body) got.update(piece as Buffer);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
  }, 120_000);

  it.each([
    ['at the start', 0],
    ['in the middle', SIZE / 2 - 7],
    ['at the end', SIZE - EICAR.length],
  ])(
    'with EICAR %s is refused and nothing is stored',
    async (_where, at) => {
      const before = await filesUnder(api.dataDir);
      const answer = await sendGenerated(api, { size: SIZE, insert: { at, bytes: EICAR } });
      expect(answer).toEqual({ status: 400, body: { error: 'File did not pass the virus scan' } });
      expect(await filesUnder(api.dataDir)).toEqual(before);
    },
    120_000,
  );

  it('is a 503 when clamd stops part-way, and nothing is stored', async () => {
    const before = await filesUnder(api.dataDir);
    const answer = await sendGenerated(api, {
      size: SIZE,
      async beforePiece(offset) {
        if (offset === 10 * MIB) await clamd.stop();
      },
    });
    expect(answer).toEqual({ status: 503, body: { error: 'Antivirus API error' } });
    expect(await filesUnder(api.dataDir)).toEqual(before);
  }, 120_000);
});
