// src/bin/antivirus.ts (what `entrypoint.sh antivirus` runs) under the real primary + workers runtime.
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { get, type RunningServer, startServer } from '../server/helpers.js';
import { ANTIVIRUS_KEY, EICAR, scan, startLocalClamd, type LocalClamd } from '../helpers/clamd.js';

const entry = fileURLToPath(new URL('../../src/bin/antivirus.ts', import.meta.url));
let clamd: LocalClamd | undefined;
let running: RunningServer | undefined;

afterAll(async () => {
  await running?.stop();
  await clamd?.stop();
});

describe('antivirus entry (the service under the server runtime)', { timeout: 120_000 }, () => {
  it('scans, reports status, counts verdicts on /metrics and stops on SIGTERM', async () => {
    clamd = await startLocalClamd();
    running = await startServer(
      {
        NOTIFY_ENVIRONMENT: 'production',
        ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
        CLAMD_SOCKET: clamd.socketSetting,
      },
      entry,
    );
    const url = `http://127.0.0.1:${running.port}`;
    expect(JSON.parse((await get(running.port, '/_status')).body)).toMatchObject({
      status: 'ok',
      clamd: 'PONG',
    });
    expect(await scan(url, EICAR)).toEqual({ status: 200, body: { ok: false } });
    expect(await scan(url, Buffer.from('clean'))).toEqual({ status: 200, body: { ok: true } });
    expect((await get(running.port, '/metrics')).status).toBe(404);
    const metrics = (await get(running.metricsPort, '/metrics')).body;
    expect(metrics).toMatch(/^antivirus_scans_total\{outcome="virus"\} 1$/m);
    expect(metrics).toMatch(/^antivirus_scans_total\{outcome="clean"\} 1$/m);
    expect(metrics).toMatch(/^http_requests_total\{method="POST",route="\/scan",status="200"\} 2$/m);
    const virusLine = running.logs.find((line) => line.verdict === 'virus');
    expect(virusLine).toMatchObject({ app: 'document-download-antivirus', signature: expect.any(String) });

    running.child.kill('SIGTERM');
    expect(await running.exited).toEqual({ code: 0, signal: null });
  });
});
