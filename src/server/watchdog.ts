import type { Logger } from '../common/logging.js';
import type { PoolWorker } from './worker-pool.js';

/** How long a new worker may take to start listening before it is treated as stuck. */
export const BOOT_TIMEOUT_MS = 60_000;

export interface WatchdogLimits {
  /** A listening worker silent longer than this is stuck. */
  watchdogTimeoutMs: number;
  /** How often workers send a heartbeat; the watchdog looks twice as often. */
  heartbeatIntervalMs: number;
}

/** What the watchdog needs of the pool: its workers, and a way to kill one as blocked. */
export interface WatchedPool {
  all(): Iterable<PoolWorker>;
  killBlocked(worker: PoolWorker): void;
}

/**
 * Stuck: listening but silent past the limit (a blocked event loop, a stopped process), or still not listening
 * BOOT_TIMEOUT_MS after it was forked.
 */
export function isStuck(worker: PoolWorker, now: number, watchdogTimeoutMs: number): boolean {
  return worker.listening
    ? now - worker.lastHeartbeat > watchdogTimeoutMs
    : now - worker.forkedAt > BOOT_TIMEOUT_MS;
}

/**
 * A worker whose event loop is blocked (or that is stopped) sends no heartbeat: the watchdog kills it well
 * before the requests it holds reach their deadline, and the pool replaces it.
 */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: WatchedPool,
    private readonly limits: WatchdogLimits,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(
      () => this.check(Date.now()),
      Math.max(50, Math.floor(this.limits.heartbeatIntervalMs / 2)),
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Kills every worker stuck at `now` that it has not killed already. */
  check(now: number): void {
    const timeoutMs = this.limits.watchdogTimeoutMs;
    for (const worker of this.pool.all()) {
      if (worker.blocked || !isStuck(worker, now, timeoutMs)) continue;
      const silentMs = now - worker.lastHeartbeat;
      this.log.error(
        { event: 'worker_blocked', worker_pid: worker.pid, silent_ms: silentMs, timeout_ms: timeoutMs },
        worker.listening
          ? `worker ${worker.pid} sent no heartbeat for ${silentMs} ms (limit ${timeoutMs} ms); killing it`
          : `worker ${worker.pid} did not start listening within ${BOOT_TIMEOUT_MS} ms; killing it`,
      );
      this.pool.killBlocked(worker);
    }
  }
}
