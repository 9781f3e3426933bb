// WEB_CONCURRENCY=1: one process serving alone, no primary, with graceful stop, the deadline and metrics.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { get, type RunningServer, sleep, startServer } from './helpers.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** 'exit' can come before the last of stdout has been read. */
async function stdoutClosed(server: RunningServer): Promise<void> {
  const stdout = server.child.stdout!;
  if (!stdout.closed) await new Promise((resolve) => stdout.once('close', resolve));
}

/** Child processes other than tsx's esbuild service (there when the tests run under tsx). */
function childProcesses(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    )
    .filter((child) => readFileSync(`/proc/${child}/comm`, 'utf8').trim() !== 'esbuild');
}

describe('WEB_CONCURRENCY=1 (one process, no primary)', { timeout: 120_000 }, () => {
  it('serves from the process it started, forks nothing, and says so in its lifecycle lines', async () => {
    running = await startServer({ WEB_CONCURRENCY: '1' });
    const answer = JSON.parse((await get(running.port, '/_status')).body) as { pid: number };
    expect(answer.pid).toBe(running.child.pid);
    expect(childProcesses(running.child.pid!)).toEqual([]);
    const starting = await running.waitForLog((line) => line.event === 'server_starting');
    expect(starting).toMatchObject({ workers: 1, worker_connections: 10_000, pid: running.child.pid });
    const started = await running.waitForLog((line) => line.event === 'server_started');
    expect(started).toMatchObject({ port: running.port, workers: 1 });
    expect(running.logs.some((line) => line.role === 'primary')).toBe(false);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0 with server_stopped last', async () => {
    running = await startServer({ WEB_CONCURRENCY: '1', HTTP_SERVE_TIMEOUT_SECONDS: '10' });
    const slow = Array.from({ length: 4 }, () => get(running!.port, '/slow?ms=1500'));
    await sleep(300);
    running.child.kill('SIGTERM');
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.every((a) => a.headers.connection === 'close')).toBe(true);
    const { code } = await running.exited;
    expect(code).toBe(0);
    await stdoutClosed(running); // its last lines may still be on their way
    const events = running.logs.map((line) => line.event).filter(Boolean);
    expect(events).toContain('server_stopping');
    expect(events.at(-1)).toBe('server_stopped');
    await expect(get(running.port, '/_status')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stops on SIGINT too', async () => {
    running = await startServer({ WEB_CONCURRENCY: '1' });
    running.child.kill('SIGINT');
    expect((await running.exited).code).toBe(0);
    await stdoutClosed(running);
    const events = running.logs.map((line) => line.event).filter(Boolean);
    expect(events).toContain('server_stopping');
    expect(events).toContain('server_stopped');
  });

  it('keeps the request deadline and counts requests on /metrics', async () => {
    const upstream: Server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    try {
      running = await startServer({
        WEB_CONCURRENCY: '1',
        HTTP_SERVE_TIMEOUT_SECONDS: '1',
        FIXTURE_UPSTREAM: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
      });
      expect((await get(running.port, '/upstream')).status).toBe(504);
      await get(running.port, '/slow?ms=1');
      expect((await get(running.port, '/metrics')).status).toBe(404);
      const metrics = (await get(running.metricsPort, '/metrics')).body;
      expect(metrics).toMatch(/^http_requests_total\{method="GET",route="\/slow",status="200"\} 1$/m);
      expect(metrics).toMatch(
        /upstream_request_duration_seconds_count\{upstream="fixture-upstream",status="timeout"\} 1/,
      );
    } finally {
      upstream.closeAllConnections();
      upstream.close();
    }
  });
});
