// The server runtime for real: a primary and its workers in a child process, driven over HTTP and signals.
import { spawnSync } from 'node:child_process';
import { Agent, createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fixtureEntry,
  get,
  isRunning,
  reachAllWorkers,
  type RunningServer,
  sleep,
  startServer,
  startedWorkers,
} from './helpers.js';

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('server runtime (primary + workers)', { timeout: 120_000 }, () => {
  it('replaces a killed worker and keeps answering on the port', async () => {
    running = await startServer({});
    const before = startedWorkers(running);
    expect(before).toHaveLength(2);
    const victim = before[0]!;
    process.kill(victim, 'SIGKILL');

    // The port answers the whole time the worker is being replaced.
    for (let i = 0; i < 10; i += 1) expect((await get(running.port, '/_status')).status).toBe(200);
    await running.waitForLog((line) => line.event === 'worker_replaced' && line.worker_pid === victim);
    await running.waitForLog((line) => line.event === 'worker_started' && !before.includes(line.pid!));

    const { pids } = await reachAllWorkers(running.port, 2);
    expect(pids.size).toBe(2);
    expect(pids.has(victim)).toBe(false);
    const metrics = await get(running.metricsPort, '/metrics');
    expect(metrics.body).toMatch(/^worker_restarts_total\{reason="exit"\} 1$/m);
  });

  it('lets in-flight slow requests finish on SIGTERM, then exits 0', async () => {
    running = await startServer({ HTTP_SERVE_TIMEOUT_SECONDS: '10' });
    const slow = Array.from({ length: 6 }, () => get(running!.port, '/slow?ms=1500'));
    await sleep(300);
    const stoppedAt = Date.now();
    running.child.kill('SIGTERM');
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const { code } = await running.exited;
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    const primaryEvents = running.logs.filter((line) => line.role === 'primary').map((line) => line.event);
    expect(primaryEvents).toContain('server_stopping');
    expect(primaryEvents.at(-1)).toBe('server_stopped');
    await expect(get(running.port, '/_status')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('stops at once on SIGTERM while its first worker is still loading the app', async () => {
    running = await startServer({ FIXTURE_BOOT_DELAY_MS: '60000' }, undefined, { waitForWorkers: false });
    await running.waitForLog((line) => line.event === 'server_starting');
    await sleep(500);
    const stoppedAt = Date.now();
    running.child.kill('SIGTERM');
    const { code } = await running.exited;
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(2000);
    expect(running.logs.filter((line) => line.event === 'worker_started')).toEqual([]);
  });

  it('kills and replaces a worker whose event loop is blocked past the deadline', async () => {
    running = await startServer({ HTTP_SERVE_TIMEOUT_SECONDS: '1' });
    const blocked = get(running.port, '/block').catch((err: Error) => err);
    const log = await running.waitForLog((line) => line.event === 'worker_blocked');
    expect(log.silent_ms).toBeGreaterThan(1000); // killed only once silent for longer than its limit (1 s here)
    expect(await blocked).toBeInstanceOf(Error); // its connection dies with the worker
    await running.waitForLog((line) => line.event === 'worker_replaced' && line.reason === 'blocked');
    await running.waitForLog(
      (line) => line.event === 'worker_started' && (line.time as string) > (log.time as string),
    );
    expect(isRunning(log.worker_pid as number)).toBe(false);
    expect((await get(running.port, '/_status')).status).toBe(200);
    expect(startedWorkers(running)).toHaveLength(3);
    // At least this one: on a loaded machine a fresh worker can also miss the 1 s limit while it starts.
    const counted = /^worker_restarts_total\{reason="blocked"\} (\d+)$/m.exec(
      (await get(running.metricsPort, '/metrics')).body,
    );
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(1);
  });

  it('kills and replaces a stopped worker (SIGSTOP) well before the 30 s request deadline', async () => {
    running = await startServer({});
    const victim = startedWorkers(running)[0]!;
    const stoppedAt = Date.now();
    process.kill(victim, 'SIGSTOP');
    try {
      // The other worker keeps answering while the stopped one holds its place.
      expect((await get(running.port, '/_status')).status).toBe(200);
      const log = await running.waitForLog(
        (line) => line.event === 'worker_blocked' && line.worker_pid === victim,
        30_000,
      );
      expect(log.timeout_ms).toBe(5000);
      expect(log.silent_ms).toBeGreaterThan(5000);
      await running.waitForLog((line) => line.event === 'worker_replaced' && line.worker_pid === victim);
      await running.waitForLog(
        (line) =>
          line.event === 'worker_started' &&
          line.pid !== victim &&
          (line.time as string) > (log.time as string),
      );
      // Replaced in about the limit, not the deadline (a loaded machine gets a few seconds' grace).
      expect(Date.now() - stoppedAt).toBeLessThan(20_000);
      expect(isRunning(victim)).toBe(false);
      const { pids } = await reachAllWorkers(running.port, 2);
      expect(pids.size).toBe(2);
      expect(pids.has(victim)).toBe(false);
    } finally {
      if (isRunning(victim)) process.kill(victim, 'SIGKILL');
    }
  });

  it('keeps idle keep-alive connections for 90 s by default, and for KEEPALIVE_SECONDS when set', async () => {
    running = await startServer({});
    const answer = await get(running.port, '/_status', new Agent({ keepAlive: true }));
    expect(answer.headers.connection).toBe('keep-alive');
    expect(answer.headers['keep-alive']).toBe('timeout=90');
    await running.stop();

    // The setting really closes idle connections: 1 s here, so the test need not wait 90 s.
    running = await startServer({ KEEPALIVE_SECONDS: '1' });
    const socket = connect(running.port, '127.0.0.1');
    socket.write('GET /_status HTTP/1.1\r\nHost: localhost\r\n\r\n');
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    const sentAt = Date.now();
    await new Promise((resolve) => socket.once('end', resolve));
    const idleMs = Date.now() - sentAt;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toMatch(/Keep-Alive: timeout=1/i);
    expect(idleMs).toBeGreaterThanOrEqual(900);
    expect(idleMs).toBeLessThan(3000);
    socket.destroy();
  });

  it('answers 504 at the deadline when an upstream hangs, and aborts the upstream call', async () => {
    let upstreamClosed = 0;
    const upstream: Server = createServer((request) => {
      request.socket.once('close', () => (upstreamClosed += 1)); // never answers
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    const upstreamPort = typeof address === 'object' && address ? address.port : 0;
    try {
      running = await startServer({
        HTTP_SERVE_TIMEOUT_SECONDS: '1',
        FIXTURE_UPSTREAM: `http://127.0.0.1:${upstreamPort}/hang`,
      });
      const started = Date.now();
      const answer = await get(running.port, '/upstream');
      const took = Date.now() - started;
      expect(answer.status).toBe(504);
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(2500);
      await sleep(200);
      expect(upstreamClosed).toBe(1);
      const metrics = (await get(running.metricsPort, '/metrics')).body;
      expect(metrics).toMatch(
        /upstream_request_duration_seconds_count\{upstream="fixture-upstream",status="timeout"\} 1/,
      );
    } finally {
      upstream.closeAllConnections();
      upstream.close();
    }
  });

  it(
    'loses no request in a rolling restart (SIGHUP) under keep-alive load',
    { timeout: 120_000 },
    async () => {
      running = await startServer({ HTTP_SERVE_TIMEOUT_SECONDS: '5' });
      const before = startedWorkers(running);
      const agent = new Agent({ keepAlive: true, maxSockets: 20 });
      const statuses = new Map<number, number>();
      const failures: string[] = [];
      let stop = false;
      const loop = async () => {
        while (!stop) {
          try {
            const answer = await get(running!.port, '/slow?ms=20', agent);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      const loops = Array.from({ length: 20 }, loop);
      try {
        await sleep(500);
        running.child.kill('SIGHUP');
        await running.waitForLog((line) => line.event === 'rolling_restart_done', 60_000);
        await sleep(300);
      } finally {
        // Stop the load even when the restart never finishes, or the loops would outlive the test.
        stop = true;
        await Promise.all(loops);
        agent.destroy();
      }
      expect(failures).toEqual([]);
      expect([...statuses.keys()]).toEqual([200]);
      expect(statuses.get(200)).toBeGreaterThan(100);
      expect(before.filter(isRunning)).toEqual([]); // every old worker has gone
      expect(startedWorkers(running)).toHaveLength(4);
    },
  );

  it('sums the metrics of every worker on /metrics', async () => {
    running = await startServer({});
    const { pids, requests } = await reachAllWorkers(running.port, 2);
    expect(pids.size).toBe(2); // both workers counted some
    const metrics = (await get(running.metricsPort, '/metrics')).body;
    expect(metrics).toMatch(
      new RegExp(`^http_requests_total\\{method="GET",route="/slow",status="200"\\} ${requests}$`, 'm'),
    );
    expect(metrics).toMatch(
      new RegExp(
        `^http_request_duration_seconds_count\\{method="GET",route="/slow",status="200"\\} ${requests}$`,
        'm',
      ),
    );
  });

  it('stops with one clear line and a non-zero exit when PORT is missing', () => {
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.PORT;
    const result = spawnSync(process.execPath, ['--import', 'tsx', fixtureEntry], { env, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('fixture-app: Missing required environment variable: PORT');
    expect(result.stdout).toBe('');
  });
});
