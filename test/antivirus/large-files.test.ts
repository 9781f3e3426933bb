// Scans at the streamed-upload limit: the antivirus service and a real clamd configured by
// scripts/start-clamd.sh, with the limits at their defaults (100 MiB).
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STREAMED_FILE_SIZE } from '../../src/antivirus/config.js';
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
import { startServer } from '../server/helpers.js';
import { zip } from '../../harness/samples.js';
import { generatedFile } from '../api/multipart-client.js';

const MIB = 1024 * 1024;
let clamd: LocalClamd;
let av: RunningAntivirus;

beforeAll(async () => {
  clamd = await startLocalClamd();
  av = await startAntivirusService(clamd.socketSetting);
});
afterAll(async () => {
  await av?.close();
  await clamd?.stop();
});

/** POST /scan with a generated body of `size` bytes, with `insert` spliced in at `at`. */
async function scanGenerated(
  url: string,
  size: number,
  insert?: { at: number; bytes: Buffer },
): Promise<{ status: number; body: unknown }> {
  async function* body(): AsyncGenerator<Buffer> {
    yield multipartHead();
    yield* generatedFile({ size, ...(insert ? { insert } : {}) });
    yield MULTIPART_TAIL;
  }
  const response = await request(`${url}/scan`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': MULTIPART_TYPE },
    body: Readable.from(body()),
  });
  return { status: response.statusCode, body: await response.body.json() };
}

function logLines(service: RunningAntivirus): Array<Record<string, unknown>> {
  return service.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('scans up to the streamed-upload limit', { timeout: 180_000 }, () => {
  it('takes MAX_STREAMED_FILE_SIZE as its limit, 100 MiB by default', () => {
    expect(DEFAULT_MAX_STREAMED_FILE_SIZE).toBe(100 * MIB);
    expect(av.config.maxFileSize).toBe(100 * MIB);
  });

  it('scans a file of exactly 100 MiB whole: EICAR in its last bytes is found', async () => {
    const size = DEFAULT_MAX_STREAMED_FILE_SIZE;
    expect(await scanGenerated(av.url, size, { at: size - EICAR.length, bytes: EICAR })).toEqual({
      status: 200,
      body: { ok: false },
    });
    expect(logLines(av).find((line) => line.verdict === 'virus')).toMatchObject({
      signature: EICAR_SIGNATURE,
      bytes: size,
    });
  });

  it('refuses a body declared over the limit with 413 without reading it', async () => {
    const { port } = new URL(av.url);
    const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/scan',
          headers: {
            Authorization: `Bearer ${ANTIVIRUS_KEY}`,
            'Content-Type': MULTIPART_TYPE,
            'Content-Length': String(101 * MIB),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            outgoing.destroy();
            resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) });
          });
        },
      );
      outgoing.on('error', reject);
      // Only the start is ever sent: the answer must come without the rest.
      outgoing.write(multipartHead());
    });
    expect(await answer).toEqual({ status: 413, body: { error: `File is larger than ${100 * MIB} bytes` } });
  });

  it('finds EICAR at the start, in the middle and at the end of a 20 MiB file', async () => {
    const size = 20 * MIB;
    // The middle one straddles two of the 1 MiB blocks the body is sent in.
    for (const at of [0, size / 2 - 7, size - EICAR.length]) {
      expect(await scanGenerated(av.url, size, { at, bytes: EICAR })).toEqual({
        status: 200,
        body: { ok: false },
      });
    }
    expect(await scanGenerated(av.url, size)).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('a slow but steady upload', { timeout: 60_000 }, () => {
  it('is scanned even when it takes longer than CLAMD_TIMEOUT_SECONDS: only a clamd that makes no progress is', async () => {
    const patient = await startAntivirusService(clamd.socketSetting, { CLAMD_TIMEOUT_SECONDS: '1' });
    try {
      async function* trickle(): AsyncGenerator<Buffer> {
        yield multipartHead();
        // Ten 64 KiB pieces 300 ms apart: three seconds in all, never a second without a byte.
        for (let piece = 0; piece < 10; piece += 1) {
          await new Promise((resolve) => setTimeout(resolve, 300));
          yield Buffer.alloc(64 * 1024, 't');
        }
        yield MULTIPART_TAIL;
      }
      const started = Date.now();
      const response = await request(`${patient.url}/scan`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': MULTIPART_TYPE },
        body: Readable.from(trickle()),
      });
      expect({ status: response.statusCode, body: await response.body.json() }).toEqual({
        status: 200,
        body: { ok: true },
      });
      expect(Date.now() - started).toBeGreaterThan(2500);
    } finally {
      await patient.close();
    }
  });
});

describe('a scan longer than the request deadline', { timeout: 60_000 }, () => {
  async function* trickle(pieces: number, stallAfter = Infinity): AsyncGenerator<Buffer> {
    yield multipartHead();
    for (let piece = 0; piece < pieces; piece += 1) {
      if (piece === stallAfter) await new Promise(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 300));
      yield Buffer.alloc(64 * 1024, 't');
    }
    yield MULTIPART_TAIL;
  }
  const send = async (url: string, body: AsyncGenerator<Buffer>, signal?: AbortSignal) => {
    const response = await request(`${url}/scan`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ANTIVIRUS_KEY}`, 'Content-Type': MULTIPART_TYPE },
      body: Readable.from(body),
      ...(signal ? { signal } : {}),
    });
    return { status: response.statusCode, body: await response.body.json() };
  };

  it('is answered when the file keeps arriving; a file that stops arriving gets 503 after CLAMD_TIMEOUT_SECONDS', async () => {
    const service = await startAntivirusService(clamd.socketSetting, {
      HTTP_SERVE_TIMEOUT_SECONDS: '2',
      CLAMD_TIMEOUT_SECONDS: '1',
    });
    try {
      const started = Date.now();
      // Twelve pieces 300 ms apart: nearly four seconds, twice the request deadline.
      expect(await send(service.url, trickle(12))).toEqual({ status: 200, body: { ok: true } });
      expect(Date.now() - started).toBeGreaterThan(3500);

      const stalled = Date.now();
      const cutOff = await send(service.url, trickle(12, 2), AbortSignal.timeout(10_000));
      expect(cutOff).toEqual({ status: 503, body: { error: 'Antivirus scan timed out' } });
      expect(Date.now() - stalled).toBeLessThan(4000);
    } finally {
      await service.close();
    }
  });
});

describe("clamd's own limits (AlertExceedsMax)", { timeout: 120_000 }, () => {
  it('reports an archive that unpacks to more than clamd will scan as a virus instead of clean', async () => {
    // clamd for a 1 MiB limit: it scans at most 4 MiB per stream, counting what it unpacks.
    const small = await startLocalClamd({ maxFileSize: MIB });
    const smallAv = await startAntivirusService(small.socketSetting, { MAX_STREAMED_FILE_SIZE: String(MIB) });
    try {
      const parts = (count: number) =>
        Array.from({ length: count }, (_, i): [string, Buffer] => [
          `part${i}.txt`,
          Buffer.alloc(1e6, 97 + i),
        ]);
      // Six million bytes unpacked from a few KiB: past MaxScanSize clamd would stop and answer OK.
      const bomb = zip(parts(6), { deflate: true });
      expect(bomb.length).toBeLessThan(64 * 1024);
      expect(await scan(smallAv.url, bomb)).toEqual({ status: 200, body: { ok: false } });
      expect(logLines(smallAv).find((line) => line.verdict === 'virus')?.signature).toBe(
        'Heuristics.Limits.Exceeded.MaxScanSize',
      );
      expect(await scan(smallAv.url, zip(parts(3), { deflate: true }))).toEqual({
        status: 200,
        body: { ok: true },
      });
    } finally {
      await smallAv.close();
      await small.stop();
    }
  });
});

describe('memory', { timeout: 180_000 }, () => {
  it("holds about a chunk per scan, not the file: a 100 MiB scan raises the service's peak RSS by far less than the file", async () => {
    const service = await startServer(
      {
        NOTIFY_ENVIRONMENT: 'production',
        WEB_CONCURRENCY: '1',
        ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
        CLAMD_SOCKET: clamd.socketSetting,
      },
      fileURLToPath(new URL('../../src/bin/antivirus.ts', import.meta.url)),
    );
    try {
      const url = `http://127.0.0.1:${service.port}`;
      const pid = service.child.pid as number;
      // Warm up (code paths compiled, buffers pooled), then start counting the peak from here.
      expect(await scanGenerated(url, 8 * MIB)).toEqual({ status: 200, body: { ok: true } });
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      const idle = memoryKiB(pid, 'VmRSS');
      expect(await scanGenerated(url, DEFAULT_MAX_STREAMED_FILE_SIZE)).toEqual({
        status: 200,
        body: { ok: true },
      });
      const growth = (memoryKiB(pid, 'VmHWM') - idle) * 1024;
      console.log(`antivirus peak RSS above idle during a 100 MiB scan: ${(growth / MIB).toFixed(1)} MiB`);
      // What remains is garbage the collector has not yet reclaimed (V8 frees dead buffers lazily), measured
      // at about 25 MiB; a service that held the file would add 100 MiB or more.
      expect(growth).toBeLessThan(40 * MIB);
    } finally {
      await service.stop();
    }
  });
});

/** A line of /proc/PID/status, in KiB: VmRSS now, VmHWM the peak since start or the last reset. */
function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} for process ${pid}`);
  return Number(match[1]);
}
