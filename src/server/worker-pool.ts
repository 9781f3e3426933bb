import type { Logger } from '../common/logging.js';
import type { PrimaryMessage } from './messages.js';

/** What the pool needs of one worker process: a cluster worker, or a test's fake. */
export interface WorkerProcess {
  /** The cluster's id for the worker, the key its messages and exit arrive under. */
  readonly id: number;
  readonly pid: number;
  isConnected(): boolean;
  send(message: PrimaryMessage): void;
  /** SIGKILL. */
  kill(): void;
  /** Called once, when the process has exited. */
  onceExit(listener: () => void): void;
}

/** The pool's record of one worker. Only the pool changes it; the watchdog and the metrics collection read it. */
export interface PoolWorker {
  readonly process: WorkerProcess;
  readonly pid: number;
  readonly forkedAt: number;
  lastHeartbeat: number;
  listening: boolean;
  /** Asked to stop (shutdown or rolling restart): its exit is expected and not replaced. */
  retiring: boolean;
  /** Killed by the watchdog: replaced, and counted as "blocked". */
  blocked: boolean;
}

/** Why a worker was replaced, as the `worker_restarts_total` metric counts it. */
export type RestartReason = 'exit' | 'blocked';

/** Consecutive workers that die before listening, after which the primary gives up (gunicorn's boot error). */
export const MAX_BOOT_FAILURES = 5;
/** The pause before replacing a worker that died before listening doubles from this, up to the most below. */
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5000;
/** A stopping worker that has not exited this long after the graceful timeout is killed. */
const RETIRE_MARGIN_MS = 5000;
const LISTENING_POLL_MS = 50;

export interface WorkerPoolOptions {
  appName: string;
  /** How many workers the pool keeps running (WEB_CONCURRENCY). */
  size: number;
  /** How long a stopping worker may drain (GRACEFUL_TIMEOUT_SECONDS). */
  gracefulTimeoutMs: number;
  log: Logger;
  fork(): WorkerProcess;
  /** Ends the primary: process.exit, in a test a recorder. */
  exit(code: number): void;
  /** Called when the last worker has stopped after stopping began. */
  onAllStopped(): void;
}

/**
 * The workers: starts one, then the rest once it listens; replaces any that dies unasked (at once when it had
 * been listening, after a growing pause when it died while booting) and gives up after MAX_BOOT_FAILURES
 * workers in a row died before listening. Once stopping, it forks nothing and every exit is expected.
 */
export class WorkerPool {
  private readonly workers = new Map<number, PoolWorker>();
  /** Counted here, turned into Prometheus metrics only when asked: the primary starts without prom-client. */
  readonly restarts: Record<RestartReason, number> = { exit: 0, blocked: 0 };
  private stoppingNow = false;
  private firstListened = false;
  private started = false;
  private bootFailures = 0;
  private restartDelayMs = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  get stopping(): boolean {
    return this.stoppingNow;
  }

  get size(): number {
    return this.workers.size;
  }

  has(workerId: number): boolean {
    return this.workers.has(workerId);
  }

  all(): IterableIterator<PoolWorker> {
    return this.workers.values();
  }

  /** The workers a metrics collection asks: listening, and still reachable over IPC. */
  listeningWorkers(): PoolWorker[] {
    return [...this.workers.values()].filter((w) => w.listening && w.process.isConnected());
  }

  fork(): PoolWorker {
    const child = this.options.fork();
    const now = Date.now();
    const worker: PoolWorker = {
      process: child,
      pid: child.pid,
      forkedAt: now,
      lastHeartbeat: now,
      listening: false,
      retiring: false,
      blocked: false,
    };
    this.workers.set(child.id, worker);
    return worker;
  }

  /** From here on nothing is forked and every exit is expected. */
  beginStopping(): void {
    this.stoppingNow = true;
  }

  heartbeat(workerId: number): void {
    const worker = this.workers.get(workerId);
    if (worker) worker.lastHeartbeat = Date.now();
  }

  /** A worker listens: the boot is healthy again; after the first one, the rest of the pool is forked. */
  listening(workerId: number, port: number): void {
    const worker = this.workers.get(workerId);
    if (!worker) return;
    worker.listening = true;
    worker.lastHeartbeat = Date.now();
    this.bootFailures = 0;
    this.restartDelayMs = 0;
    if (!this.firstListened && !this.stoppingNow) {
      this.firstListened = true;
      for (let i = this.workers.size; i < this.options.size; i += 1) this.fork();
    }
    const { appName, size, log } = this.options;
    if (!this.started && [...this.workers.values()].filter((w) => w.listening).length >= size) {
      this.started = true;
      log.info(
        { event: 'server_started', port, workers: size },
        `${appName} listening on port ${port} with ${size} workers`,
      );
    }
  }

  /** The watchdog's verdict: the worker is killed, and replaced when its exit arrives. */
  killBlocked(worker: PoolWorker): void {
    worker.blocked = true;
    worker.process.kill();
  }

  /** A worker process has exited: an expected stop, or a death to replace. */
  exited(workerId: number, code: number | null, signal: string | null): void {
    const worker = this.workers.get(workerId);
    this.workers.delete(workerId);
    if (!worker) return;
    const { appName, log } = this.options;
    const fields = { worker_pid: worker.pid, exit_code: code, signal };
    if (this.stoppingNow || worker.retiring) {
      log.info({ event: 'worker_stopped', ...fields }, `worker ${worker.pid} stopped`);
      if (this.stoppingNow && this.workers.size === 0) this.options.onAllStopped();
      return;
    }
    const reason: RestartReason = worker.blocked ? 'blocked' : 'exit';
    this.restarts[reason] += 1;
    if (!worker.listening) this.bootFailures += 1;
    if (this.bootFailures >= MAX_BOOT_FAILURES) {
      log.error(
        { event: 'server_boot_failed', ...fields, boot_failures: this.bootFailures },
        `${this.bootFailures} workers in a row died before listening; ${appName} stops`,
      );
      this.stoppingNow = true;
      for (const other of this.workers.values()) other.process.kill();
      this.options.exit(1);
      return;
    }
    log.warn(
      { event: 'worker_replaced', reason, ...fields },
      worker.blocked
        ? `worker ${worker.pid} was blocked and killed; replacing it`
        : `worker ${worker.pid} died; replacing it`,
    );
    // A worker that dies before listening is retried with a growing pause, so a crash loop cannot spin.
    this.restartDelayMs = worker.listening
      ? 0
      : Math.min(MAX_RESTART_DELAY_MS, Math.max(FIRST_RESTART_DELAY_MS, this.restartDelayMs * 2));
    setTimeout(() => {
      if (!this.stoppingNow) this.fork();
    }, this.restartDelayMs);
  }

  /** Asks a worker to drain and stop; resolves when it has exited. Its exit is not replaced. */
  retire(worker: PoolWorker): Promise<void> {
    worker.retiring = true;
    return new Promise((resolve) => {
      worker.process.onceExit(() => resolve());
      // One still loading the app serves nothing and may not read messages for a while: end it at once.
      if (!worker.listening) return void worker.process.kill();
      this.send(worker, { type: 'dd:shutdown' });
      // A worker that cannot finish within the graceful timeout (plus a margin) is killed.
      setTimeout(() => worker.process.kill(), this.options.gracefulTimeoutMs + RETIRE_MARGIN_MS).unref();
    });
  }

  /** Resolves true once the worker listens; false if it exits first or the pool starts stopping. */
  waitListening(worker: PoolWorker): Promise<boolean> {
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (worker.listening || !this.workers.has(worker.process.id) || this.stoppingNow) {
          clearInterval(check);
          resolve(worker.listening);
        }
      }, LISTENING_POLL_MS);
    });
  }

  send(worker: PoolWorker, message: PrimaryMessage): void {
    if (worker.process.isConnected()) worker.process.send(message);
  }

  /** The last resort: SIGKILL to every worker. */
  killAll(): void {
    for (const worker of this.workers.values()) worker.process.kill();
  }
}
