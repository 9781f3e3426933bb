// The primary's pieces (worker pool, watchdog, graceful stop, rolling restart, metrics collection) with fake
// workers, a fake clock and a recording logger: no process is forked. The real primary is driven in
// test/server/runtime.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/common/logging.js';
import type { MetricsJson, PrimaryMessage } from '../../src/server/messages.js';
import { GracefulStop } from '../../src/server/graceful-stop.js';
import { MetricsCollection } from '../../src/server/metrics-collection.js';
import { RollingRestart } from '../../src/server/rolling-restart.js';
import { BOOT_TIMEOUT_MS, isStuck, Watchdog } from '../../src/server/watchdog.js';
import { type PoolWorker, WorkerPool, type WorkerProcess } from '../../src/server/worker-pool.js';

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

function recordingLog() {
  const entries: LogEntry[] = [];
  const at = (level: LogEntry['level']) => (fields: Record<string, unknown>, message: string) =>
    entries.push({ level, fields, message });
  const log = { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
  return { log, entries, events: () => entries.map((entry) => entry.fields.event) };
}

class FakeWorker implements WorkerProcess {
  connected = true;
  readonly sent: PrimaryMessage[] = [];
  kills = 0;
  private readonly exitListeners: (() => void)[] = [];

  constructor(
    readonly id: number,
    readonly pid: number,
  ) {}

  isConnected(): boolean {
    return this.connected;
  }
  send(message: PrimaryMessage): void {
    this.sent.push(message);
  }
  kill(): void {
    this.kills += 1;
  }
  onceExit(listener: () => void): void {
    this.exitListeners.push(listener);
  }
  /** As the cluster does: the worker's own 'exit' listeners first, then the cluster's. */
  exit(pool: WorkerPool, code: number | null = 0, signal: string | null = null): void {
    this.connected = false;
    for (const listener of this.exitListeners.splice(0)) listener();
    pool.exited(this.id, code, signal);
  }
}

const APP = 'test-app';

function poolOf(size: number, { gracefulTimeoutMs = 1000 } = {}) {
  const { log, entries, events } = recordingLog();
  const forked: FakeWorker[] = [];
  const exits: number[] = [];
  const allStopped = vi.fn();
  const pool = new WorkerPool({
    appName: APP,
    size,
    gracefulTimeoutMs,
    log,
    fork: () => {
      const worker = new FakeWorker(forked.length + 1, 1000 + forked.length + 1);
      forked.push(worker);
      return worker;
    },
    exit: (code) => exits.push(code),
    onAllStopped: allStopped,
  });
  /** The pool's record of the nth forked worker (1-based, as the cluster counts). */
  const record = (id: number) => [...pool.all()].find((w) => w.process.id === id)!;
  return { pool, forked, exits, allStopped, log, entries, events, record };
}

/** Forks the first worker and lets every worker listen: a pool serving as usual. */
function servingPool(size: number, options?: { gracefulTimeoutMs?: number }) {
  const setup = poolOf(size, options);
  setup.pool.fork();
  setup.pool.listening(1, 8080);
  for (const worker of setup.forked.slice(1)) setup.pool.listening(worker.id, 8080);
  return setup;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('worker pool', () => {
  it('forks one worker, the rest once it listens, and says it started once all of them listen', () => {
    const { pool, forked, entries, events } = poolOf(3);
    pool.fork();
    expect(forked).toHaveLength(1);
    pool.listening(1, 8080);
    expect(forked).toHaveLength(3);
    expect(events()).toEqual([]);
    pool.listening(2, 8080);
    pool.listening(3, 8080);
    expect(entries).toEqual([
      {
        level: 'info',
        fields: { event: 'server_started', port: 8080, workers: 3 },
        message: `${APP} listening on port 8080 with 3 workers`,
      },
    ]);
    pool.listening(3, 8080);
    expect(events()).toEqual(['server_started']);
  });

  it('replaces a listening worker that died at once, counted as "exit"', async () => {
    const { pool, forked, entries } = servingPool(2);
    forked[0]!.exit(pool, 1);
    expect(entries.at(-1)).toEqual({
      level: 'warn',
      fields: { event: 'worker_replaced', reason: 'exit', worker_pid: 1001, exit_code: 1, signal: null },
      message: 'worker 1001 died; replacing it',
    });
    expect(pool.restarts).toEqual({ exit: 1, blocked: 0 });
    expect(forked).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(forked).toHaveLength(3);
    expect(pool.size).toBe(2);
  });

  it('retries workers that die while booting after a growing pause, and gives up after five in a row', async () => {
    const { pool, forked, exits, entries } = poolOf(2);
    pool.fork();
    const pauses: number[] = [];
    for (let failure = 1; failure < 5; failure += 1) {
      forked.at(-1)!.exit(pool, 1);
      const count = forked.length;
      const started = Date.now();
      while (forked.length === count) await vi.advanceTimersByTimeAsync(1);
      pauses.push(Date.now() - started);
    }
    expect(pauses).toEqual([100, 200, 400, 800]);
    expect(exits).toEqual([]);

    forked.at(-1)!.exit(pool, 1);
    expect(entries.at(-1)).toMatchObject({
      level: 'error',
      fields: { event: 'server_boot_failed', boot_failures: 5, exit_code: 1 },
      message: `5 workers in a row died before listening; ${APP} stops`,
    });
    expect(exits).toEqual([1]);
    expect(pool.stopping).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(forked).toHaveLength(5);
  });

  it('kills the other workers when it gives up', () => {
    const { pool, forked, exits } = servingPool(2);
    forked[1]!.exit(pool, 1); // a listening worker's death is no boot failure
    for (let i = 0; i < 5; i += 1) {
      pool.fork();
      forked.at(-1)!.exit(pool, 1);
    }
    expect(exits).toEqual([1]);
    expect(forked[0]!.kills).toBe(1);
  });

  it('forgets earlier boot failures once a worker listens', async () => {
    const { pool, forked, exits } = poolOf(1);
    pool.fork();
    for (let i = 0; i < 4; i += 1) {
      forked.at(-1)!.exit(pool, 1);
      await vi.advanceTimersByTimeAsync(5000);
    }
    pool.listening(forked.at(-1)!.id, 8080);
    for (let i = 0; i < 4; i += 1) {
      forked.at(-1)!.exit(pool, 1);
      await vi.advanceTimersByTimeAsync(5000);
    }
    expect(exits).toEqual([]);
  });

  it('counts a worker the watchdog killed as "blocked"', () => {
    const { pool, forked, record, entries } = servingPool(2);
    pool.killBlocked(record(2));
    expect(forked[1]!.kills).toBe(1);
    forked[1]!.exit(pool, null, 'SIGKILL');
    expect(entries.at(-1)).toMatchObject({
      fields: { event: 'worker_replaced', reason: 'blocked', signal: 'SIGKILL' },
      message: 'worker 1002 was blocked and killed; replacing it',
    });
    expect(pool.restarts).toEqual({ exit: 0, blocked: 1 });
  });

  it('once stopping, replaces nothing and reports when the last worker has stopped', async () => {
    const { pool, forked, allStopped, events } = servingPool(2);
    pool.beginStopping();
    forked[0]!.exit(pool);
    expect(allStopped).not.toHaveBeenCalled();
    forked[1]!.exit(pool);
    expect(allStopped).toHaveBeenCalledOnce();
    expect(events().slice(-2)).toEqual(['worker_stopped', 'worker_stopped']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(forked).toHaveLength(2);
  });

  it('retires a listening worker by asking it to drain, and kills it past the graceful timeout', async () => {
    const { pool, forked, record } = servingPool(1, { gracefulTimeoutMs: 3000 });
    let retired = false;
    void pool.retire(record(1)).then(() => (retired = true));
    expect(forked[0]!.sent).toEqual([{ type: 'dd:shutdown' }]);
    await vi.advanceTimersByTimeAsync(7999);
    expect(forked[0]!.kills).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(forked[0]!.kills).toBe(1);
    expect(retired).toBe(false);
    forked[0]!.exit(pool, null, 'SIGKILL');
    await vi.advanceTimersByTimeAsync(0);
    expect(retired).toBe(true);
    expect(forked).toHaveLength(1); // a retired worker is not replaced
  });

  it('kills a retired worker that is still booting at once', () => {
    const { pool, forked, record } = poolOf(1);
    pool.fork();
    void pool.retire(record(1));
    expect(forked[0]!.kills).toBe(1);
    expect(forked[0]!.sent).toEqual([]);
  });
});

describe('watchdog', () => {
  const limits = { watchdogTimeoutMs: 5000, heartbeatIntervalMs: 1000 };
  const worker = (fields: Partial<PoolWorker>): PoolWorker => ({
    process: new FakeWorker(1, 4242),
    pid: 4242,
    forkedAt: 0,
    lastHeartbeat: 0,
    listening: true,
    retiring: false,
    blocked: false,
    ...fields,
  });

  it('calls a listening worker stuck once silent past the limit, a booting one past the boot timeout', () => {
    expect(isStuck(worker({ lastHeartbeat: 0 }), 5000, 5000)).toBe(false);
    expect(isStuck(worker({ lastHeartbeat: 0 }), 5001, 5000)).toBe(true);
    const booting = worker({ listening: false, forkedAt: 0, lastHeartbeat: 0 });
    expect(isStuck(booting, 59_000, 5000)).toBe(false);
    expect(isStuck(booting, BOOT_TIMEOUT_MS + 1, 5000)).toBe(true);
  });

  it('kills a silent worker once, and leaves the others', () => {
    const silent = worker({ lastHeartbeat: 1000 });
    const alive = worker({ pid: 4343, lastHeartbeat: 6000 });
    const killed: PoolWorker[] = [];
    const pool = {
      all: () => [silent, alive],
      killBlocked: (w: PoolWorker) => {
        w.blocked = true;
        killed.push(w);
      },
    };
    const { log, entries } = recordingLog();
    const watchdog = new Watchdog(pool, limits, log);
    watchdog.check(6001);
    watchdog.check(7000);
    expect(killed).toEqual([silent]);
    expect(entries).toEqual([
      {
        level: 'error',
        fields: { event: 'worker_blocked', worker_pid: 4242, silent_ms: 5001, timeout_ms: 5000 },
        message: 'worker 4242 sent no heartbeat for 5001 ms (limit 5000 ms); killing it',
      },
    ]);
  });

  it('says when a worker never started listening', () => {
    const booting = worker({ listening: false, forkedAt: 0, lastHeartbeat: 0 });
    const { log, entries } = recordingLog();
    new Watchdog({ all: () => [booting], killBlocked: () => undefined }, limits, log).check(60_001);
    expect(entries[0]!.message).toBe('worker 4242 did not start listening within 60000 ms; killing it');
  });

  it('looks twice per heartbeat interval, on the clock, through the pool', async () => {
    const { pool, forked, log } = servingPool(2);
    const watchdog = new Watchdog(pool, limits, log);
    watchdog.start();
    for (let t = 0; t < 10; t += 1) {
      pool.heartbeat(2);
      await vi.advanceTimersByTimeAsync(500);
    }
    expect(forked.map((w) => w.kills)).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(500); // worker 1: 5500 ms silent, past the 5000 ms limit
    expect(forked.map((w) => w.kills)).toEqual([1, 0]);
    watchdog.stop();
  });
});

describe('graceful stop', () => {
  function stopping(size: number) {
    const setup = servingPool(size, { gracefulTimeoutMs: 2000 });
    const beforeExit = vi.fn();
    const stop = new GracefulStop(setup.pool, {
      appName: APP,
      gracefulTimeoutMs: 2000,
      log: setup.log,
      exit: (code) => setup.exits.push(code),
      beforeExit,
    });
    setup.allStopped.mockImplementation(() => stop.finish());
    return { ...setup, stop, beforeExit };
  }

  it('asks every worker to drain and exits 0 once the last has stopped', () => {
    const { pool, forked, exits, entries, events, stop, beforeExit } = stopping(2);
    stop.stop('SIGTERM');
    expect(entries.at(-1)).toEqual({
      level: 'info',
      fields: { event: 'server_stopping', signal: 'SIGTERM', workers: 2 },
      message: `${APP} stopping (SIGTERM)`,
    });
    expect(forked.map((w) => w.sent)).toEqual([[{ type: 'dd:shutdown' }], [{ type: 'dd:shutdown' }]]);
    stop.stop('SIGINT');
    expect(entries.at(-1)!.message).toBe('SIGINT received again; still stopping');
    forked[0]!.exit(pool);
    forked[1]!.exit(pool);
    expect(beforeExit).toHaveBeenCalledOnce();
    expect(events().slice(-3)).toEqual(['worker_stopped', 'worker_stopped', 'server_stopped']);
    expect(exits).toEqual([0]);
  });

  it('kills the workers and exits 1 when they outlast the graceful timeout plus 10 s', async () => {
    const { forked, exits, events, stop } = stopping(2);
    stop.stop('SIGTERM');
    await vi.advanceTimersByTimeAsync(11_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events().at(-1)).toBe('server_stop_forced');
    expect(exits).toEqual([1]);
    // Each was killed once by its own retire limit (graceful timeout + 5 s) and once more here.
    expect(forked.map((w) => w.kills)).toEqual([2, 2]);
  });

  it('exits at once when no worker is running', () => {
    const { pool, forked, exits, stop } = stopping(1);
    forked[0]!.exit(pool, 1); // died; its replacement is not forked yet
    stop.stop('SIGTERM');
    expect(exits).toEqual([0]);
  });
});

describe('rolling restart', () => {
  it('replaces the workers one at a time, each old one retired once its replacement listens', async () => {
    const { pool, forked, events, log } = servingPool(2);
    const restart = new RollingRestart(pool, log);
    const done = restart.run();
    void restart.run(); // a second SIGHUP meanwhile is ignored
    expect(forked).toHaveLength(3);
    expect(forked[0]!.sent).toEqual([]);
    pool.listening(3, 8080);
    await vi.advanceTimersByTimeAsync(50);
    expect(forked[0]!.sent).toEqual([{ type: 'dd:shutdown' }]);
    expect(forked).toHaveLength(3);
    forked[0]!.exit(pool);
    await vi.advanceTimersByTimeAsync(0);
    expect(forked).toHaveLength(4);
    pool.listening(4, 8080);
    await vi.advanceTimersByTimeAsync(50);
    forked[1]!.exit(pool);
    await done;
    expect(events().filter((e) => e !== 'worker_stopped')).toEqual([
      'server_started',
      'rolling_restart',
      'rolling_restart_done',
    ]);
    expect([...pool.all()].map((w) => w.pid)).toEqual([1003, 1004]);
  });

  it('keeps the old worker when its replacement dies before listening', async () => {
    const { pool, forked, log } = servingPool(1);
    const done = new RollingRestart(pool, log).run();
    forked[1]!.exit(pool, 1);
    await vi.advanceTimersByTimeAsync(50);
    await done;
    expect(forked[0]!.sent).toEqual([]);
  });
});

describe('metrics collection', () => {
  const report = (value: number) => [{ name: `m${value}` }] as unknown as MetricsJson;
  const source = (id: number) => ({ process: new FakeWorker(id, 2000 + id) });

  it('asks each worker and resolves once all have answered', async () => {
    const collection = new MetricsCollection();
    const workers = [source(1), source(2)];
    const collected = collection.collect(workers);
    expect(workers[0]!.process.sent).toEqual([{ type: 'dd:metrics-collect', id: 0 }]);
    collection.receive(0, 1, report(1));
    collection.receive(0, 2, report(2));
    expect(await collected).toEqual([report(1), report(2)]);
  });

  it('resolves with what arrived within the timeout, and ignores later reports', async () => {
    const collection = new MetricsCollection(2000);
    const collected = collection.collect([source(1), source(2)]);
    collection.receive(0, 2, report(2));
    await vi.advanceTimersByTimeAsync(2000);
    expect(await collected).toEqual([report(2)]);
    collection.receive(0, 1, report(1)); // late: nothing to answer
    const next = collection.collect([source(1)]);
    collection.receive(1, 1, report(3));
    expect(await next).toEqual([report(3)]);
  });

  it('resolves at once with nothing when no worker listens', async () => {
    expect(await new MetricsCollection().collect([])).toEqual([]);
  });
});
