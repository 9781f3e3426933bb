// The antivirus service (Notify's POST /scan contract) on a real port in front of a real clamd that the test
// starts on the project's generated EICAR signature.
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClamdClient, type ScanVerdict } from '../../src/antivirus/clamd.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { zip } from '../../harness/samples.js';
import {
  ANTIVIRUS_KEY,
  EICAR,
  EICAR_SIGNATURE,
  MULTIPART_TAIL,
  MULTIPART_TYPE,
  multipartHead,
  scan,
  startAntivirusService,
  startLocalClamd,
  type LocalClamd,
  type RunningAntivirus,
} from '../helpers/clamd.js';
import { freePort } from '../../harness/ports.js';

const LIMIT = 2 * 1024 * 1024 + 1024;
const CLEAN_PDF = samplePdf(['A clean letter']);

let clamd: LocalClamd;
let av: RunningAntivirus;

beforeAll(async () => {
  clamd = await startLocalClamd();
  av = await startAntivirusService(clamd.socketSetting, { MAX_STREAMED_FILE_SIZE: String(LIMIT) });
});
afterAll(async () => {
  await av?.close();
  await clamd?.stop();
});

async function streamedScan(
  url: string,
  body: AsyncIterable<Buffer>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await request(`${url}/scan`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': MULTIPART_TYPE, ...headers },
    body: Readable.from(body),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

describe('POST /scan', { timeout: 60_000 }, () => {
  it('the EICAR file is the published 68 bytes', () => {
    expect(EICAR.length).toBe(68);
  });

  it('answers ok for a clean file and logs the verdict, never the file', async () => {
    expect(await scan(av.url, CLEAN_PDF, { filename: 'letter.pdf' })).toEqual({
      status: 200,
      body: { ok: true },
    });
    const line = av.logs.lines.map((l) => JSON.parse(l)).find((l) => l.verdict === 'clean');
    expect(line).toMatchObject({ verdict: 'clean', bytes: CLEAN_PDF.length });
    expect(av.logs.text()).not.toContain('A clean letter');
    expect(av.logs.text()).not.toContain('letter.pdf');
  });

  it('answers not ok for EICAR and logs the signature name', async () => {
    expect(await scan(av.url, EICAR)).toEqual({ status: 200, body: { ok: false } });
    const line = av.logs.lines.map((l) => JSON.parse(l)).find((l) => l.verdict === 'virus');
    expect(line).toMatchObject({ verdict: 'virus', signature: EICAR_SIGNATURE, bytes: 68 });
    expect(av.logs.text()).not.toContain('EICAR-STANDARD');
  });

  it('finds EICAR inside a zip and in a file named .pdf', async () => {
    const archive = zip([
      ['readme.txt', 'nothing to see'],
      ['eicar.com', EICAR],
    ]);
    expect(await scan(av.url, archive, { filename: 'files.zip' })).toEqual({
      status: 200,
      body: { ok: false },
    });
    expect(await scan(av.url, zip([['readme.txt', 'clean']]))).toEqual({ status: 200, body: { ok: true } });
    expect(await scan(av.url, EICAR, { filename: 'letter.pdf' })).toEqual({
      status: 200,
      body: { ok: false },
    });
  });

  it('refuses a bearer token that is missing (401) or wrong (403), before reading the body', async () => {
    expect(await scan(av.url, CLEAN_PDF, { token: null })).toEqual({
      status: 401,
      body: { error: 'Unauthorized, authentication token must be provided' },
    });
    expect(await scan(av.url, CLEAN_PDF, { token: 'wrong-key' })).toEqual({
      status: 403,
      body: { error: 'Forbidden, invalid authentication token provided' },
    });
    const response = await fetch(`${av.url}/scan`, {
      method: 'POST',
      headers: { Authorization: `Basic ${ANTIVIRUS_KEY}` },
    });
    expect(response.status).toBe(401);
  });

  it('answers 400 without a document field, for a body that is not multipart, and for two documents', async () => {
    const form = new FormData();
    form.append('file', new Blob([EICAR]), 'eicar.txt');
    form.append('note', 'hello');
    const noDocument = await fetch(`${av.url}/scan`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}` },
    });
    expect(noDocument.status).toBe(400);
    expect(await noDocument.json()).toEqual({ error: 'No document upload' });

    const json = await fetch(`${av.url}/scan`, {
      method: 'POST',
      body: JSON.stringify({ document: 'x' }),
      headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': 'application/json' },
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'No document upload' });

    const two = Buffer.concat([
      multipartHead(),
      CLEAN_PDF,
      Buffer.from('\r\n'),
      multipartHead(),
      EICAR,
      MULTIPART_TAIL,
    ]);
    const twice = await streamedScan(av.url, [two] as unknown as AsyncIterable<Buffer>);
    expect(twice).toEqual({ status: 400, body: { error: 'Send one document per scan' } });
  });

  it('accepts a file of exactly the limit and refuses one byte more with 413', async () => {
    const atLimit = Buffer.alloc(LIMIT, 'a');
    expect(await scan(av.url, atLimit)).toEqual({ status: 200, body: { ok: true } });
    const over = await scan(av.url, Buffer.alloc(LIMIT + 1, 'a'));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: `File is larger than ${LIMIT} bytes` });
  });

  it('refuses a body declared over the limit with 413 without reading it', async () => {
    const response = await fetch(`${av.url}/scan`, {
      method: 'POST',
      body: Buffer.alloc(3 * 1024 * 1024),
      headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': MULTIPART_TYPE },
    });
    expect(response.status).toBe(413);
  });

  it('refuses a chunked upload (no Content-Length) that grows past the limit with 413', async () => {
    async function* body(): AsyncGenerator<Buffer> {
      yield multipartHead();
      for (let sent = 0; sent <= LIMIT; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, 'b');
      yield MULTIPART_TAIL;
    }
    const answer = await streamedScan(av.url, body());
    expect(answer.status).toBe(413);
  });

  it('streams the file to clamd as it arrives instead of waiting for the whole body', async () => {
    let chunksAtClamd = 0;
    let sawChunk: () => void = () => undefined;
    const firstChunkAtClamd = new Promise<void>((resolve) => (sawChunk = resolve));
    class CountingClamd extends ClamdClient {
      override scan(file: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ScanVerdict> {
        async function* counted(): AsyncGenerator<Uint8Array> {
          for await (const chunk of file) {
            chunksAtClamd += 1;
            sawChunk();
            yield chunk;
          }
        }
        return super.scan(counted(), signal);
      }
    }
    const counting = await startAntivirusService(
      clamd.socketSetting,
      {},
      new CountingClamd({ address: clamd.address, timeoutMs: 20_000 }),
    );
    try {
      async function* body(): AsyncGenerator<Buffer> {
        yield Buffer.concat([multipartHead(), Buffer.alloc(256 * 1024, 'c')]);
        // The rest is only sent once clamd has had the first part: a service that buffered the whole body
        // before scanning would never get here, and the test would time out.
        await firstChunkAtClamd;
        yield Buffer.concat([Buffer.alloc(256 * 1024, 'c'), MULTIPART_TAIL]);
      }
      expect(await streamedScan(counting.url, body())).toEqual({ status: 200, body: { ok: true } });
      expect(chunksAtClamd).toBeGreaterThan(1);
    } finally {
      await counting.close();
    }
  });

  it('answers 50 parallel scans while a long upload is still going', async () => {
    let releaseLong: () => void = () => undefined;
    const othersDone = new Promise<void>((resolve) => (releaseLong = resolve));
    async function* slowBody(): AsyncGenerator<Buffer> {
      yield multipartHead('document', 'slow.pdf');
      yield Buffer.alloc(512 * 1024, 'd');
      await othersDone;
      yield Buffer.concat([Buffer.alloc(512 * 1024, 'd'), MULTIPART_TAIL]);
    }
    const long = streamedScan(av.url, slowBody());
    const others = await Promise.all(
      Array.from({ length: 50 }, (_, i) => scan(av.url, i % 5 === 0 ? EICAR : samplePdf([`letter ${i}`]))),
    );
    releaseLong();
    others.forEach((answer, i) => expect(answer).toEqual({ status: 200, body: { ok: i % 5 !== 0 } }));
    expect(await long).toEqual({ status: 200, body: { ok: true } });
  });

  it('answers JSON 404 elsewhere', async () => {
    const response = await fetch(`${av.url}/nothing`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found' });
  });
});

describe('GET /_status', () => {
  it("reports clamd's PONG and VERSION", async () => {
    const response = await fetch(`${av.url}/_status`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', clamd: 'PONG' });
    expect(body.version).toMatch(/^ClamAV \d+\.\d+/);
  });
});

describe('clamd over TCP', { timeout: 60_000 }, () => {
  it('scans through CLAMD_SOCKET=tcp://127.0.0.1:port', async () => {
    const tcp = await startLocalClamd({ tcpPort: await freePort() });
    const service = await startAntivirusService(tcp.socketSetting);
    try {
      expect(tcp.socketSetting).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
      expect(await scan(service.url, EICAR)).toEqual({ status: 200, body: { ok: false } });
      expect(await scan(service.url, CLEAN_PDF)).toEqual({ status: 200, body: { ok: true } });
    } finally {
      await service.close();
      await tcp.stop();
    }
  });
});

describe('when clamd cannot answer', { timeout: 60_000 }, () => {
  it('answers 503 JSON once clamd is stopped, on /scan and /_status', async () => {
    const own = await startLocalClamd();
    const service = await startAntivirusService(own.socketSetting);
    try {
      expect(await scan(service.url, CLEAN_PDF)).toEqual({ status: 200, body: { ok: true } });
      await own.stop();
      expect(await scan(service.url, CLEAN_PDF)).toEqual({
        status: 503,
        body: { error: 'Antivirus scanner unavailable' },
      });
      const status = await fetch(`${service.url}/_status`);
      expect(status.status).toBe(503);
      expect(await status.json()).toEqual({ status: 'error', clamd: 'unreachable' });
    } finally {
      await service.close();
      await own.stop();
    }
  });

  it('answers 503 JSON when clamd does not answer within CLAMD_TIMEOUT_SECONDS (clamd paused)', async () => {
    const own = await startLocalClamd();
    const service = await startAntivirusService(own.socketSetting, { CLAMD_TIMEOUT_SECONDS: '1' });
    try {
      process.kill(own.pid, 'SIGSTOP');
      expect(await scan(service.url, CLEAN_PDF)).toEqual({
        status: 503,
        body: { error: 'Antivirus scan timed out' },
      });
      process.kill(own.pid, 'SIGCONT');
      expect(await scan(service.url, EICAR)).toEqual({ status: 200, body: { ok: false } });
    } finally {
      try {
        process.kill(own.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      await service.close();
      await own.stop();
    }
  });
});
