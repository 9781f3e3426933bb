import type { Logger } from '../common/logging.js';
import type { WorkerPool } from './worker-pool.js';

/** The primary's own limit past the workers' graceful timeout: they bound their drain, this is a safety net. */
const FORCED_STOP_MARGIN_MS = 10_000;

export interface GracefulStopOptions {
  appName: string;
  /** How long a stopping worker may drain (GRACEFUL_TIMEOUT_SECONDS). */
  gracefulTimeoutMs: number;
  log: Logger;
  /** Ends the primary: process.exit, in a test a recorder. */
  exit(code: number): void;
  /** Runs just before the last line, once every worker has stopped (e.g. stopping the watchdog). */
  beforeExit(): void;
}

/**
 * SIGTERM/SIGINT: every worker stops accepting, lets its in-flight requests finish and exits; the primary exits 0
 * once the last one has gone (the pool calls `finish`), or kills them all and exits 1 if they take too long.
 */
export class GracefulStop {
  constructor(
    private readonly pool: Pick<
      WorkerPool,
      'stopping' | 'size' | 'all' | 'beginStopping' | 'retire' | 'killAll'
    >,
    private readonly options: GracefulStopOptions,
  ) {}

  stop(signal: NodeJS.Signals): void {
    const { appName, gracefulTimeoutMs, log } = this.options;
    if (this.pool.stopping) {
      log.info({ event: 'server_stopping', signal }, `${signal} received again; still stopping`);
      return;
    }
    this.pool.beginStopping();
    log.info(
      { event: 'server_stopping', signal, workers: this.pool.size },
      `${appName} stopping (${signal})`,
    );
    if (this.pool.size === 0) this.finish();
    for (const worker of this.pool.all()) void this.pool.retire(worker);
    setTimeout(() => {
      log.error({ event: 'server_stop_forced' }, 'workers did not stop in time; killing them');
      this.pool.killAll();
      this.options.exit(1);
    }, gracefulTimeoutMs + FORCED_STOP_MARGIN_MS).unref();
  }

  /** Every worker has stopped. */
  finish(): void {
    this.options.beforeExit();
    this.options.log.info({ event: 'server_stopped' }, `${this.options.appName} stopped`);
    this.options.exit(0);
  }
}
