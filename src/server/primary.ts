import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../common/logging.js';
import { isWorkerMessage, type MetricsJson, type PrimaryMessage } from './messages.js';
import { serveMetrics } from './metrics-server.js';
import type { ServerSettings } from './settings.js';

interface WorkerState {
  worker: Worker;
  pid: number;
  forkedAt: number;
  lastHeartbeat: number;
  listening: boolean;
  /** Asked to stop (shutdown or rolling restart): its exit is expected and not replaced. */
  retiring: boolean;
  /** Killed by the watchdog: replaced, and counted as "blocked". */
  blocked: boolean;
}

/** Consecutive workers that die before listening, after which the primary gives up (gunicorn's boot error). */
const MAX_BOOT_FAILURES = 5;
/** How long a new worker may take to start listening before it is treated as stuck. */
const BOOT_TIMEOUT_MS = 60_000;
const METRICS_COLLECT_TIMEOUT_MS = 2000;

/**
 * The primary: forks the workers, replaces any that die or stop answering heartbeats, serves the metrics
 * aggregation, stops gracefully on SIGTERM/SIGINT and replaces every worker one at a time on SIGHUP.
 */
export function runPrimary(appName: string, settings: ServerSettings, logger: Logger): void {
  const workers = new Map<number, WorkerState>();
  // Counted here, turned into Prometheus metrics only when asked: the primary starts without loading prom-client.
  const restarts = { exit: 0, blocked: 0 };
  let stopping = false;
  let started = false;
  let firstListened = false;
  let bootFailures = 0;
  let restartDelayMs = 0;

  const log = logger.child({ role: 'primary' });
  log.info(
    {
      event: 'server_starting',
      port: settings.port,
      host: settings.host,
      workers: settings.workers,
      worker_connections: settings.workerConnections,
      keepalive_seconds: settings.keepAliveMs / 1000,
      timeout_seconds: settings.requestTimeoutMs / 1000,
      watchdog_timeout_ms: settings.watchdogTimeoutMs,
      graceful_timeout_seconds: settings.gracefulTimeoutMs / 1000,
    },
    `${appName} starting ${settings.workers} workers`,
  );

  function fork(): WorkerState {
    const worker = cluster.fork();
    const now = Date.now();
    const state: WorkerState = {
      worker,
      pid: worker.process.pid ?? 0,
      forkedAt: now,
      lastHeartbeat: now,
      listening: false,
      retiring: false,
      blocked: false,
    };
    workers.set(worker.id, state);
    return state;
  }

  function send(worker: Worker, message: PrimaryMessage): void {
    if (worker.isConnected()) worker.send(message);
  }

  cluster.on('message', (worker, message: unknown) => {
    const state = workers.get(worker.id);
    if (!state || !isWorkerMessage(message)) return;
    switch (message.type) {
      case 'dd:heartbeat':
        state.lastHeartbeat = Date.now();
        break;
      case 'dd:listening':
        state.listening = true;
        state.lastHeartbeat = Date.now();
        bootFailures = 0;
        restartDelayMs = 0;
        if (!firstListened && !stopping) {
          firstListened = true;
          for (let i = workers.size; i < settings.workers; i += 1) fork();
        }
        if (!started && [...workers.values()].filter((w) => w.listening).length >= settings.workers) {
          started = true;
          log.info(
            { event: 'server_started', port: message.port, workers: settings.workers },
            `${appName} listening on port ${message.port} with ${settings.workers} workers`,
          );
        }
        break;
      case 'dd:metrics-report':
        metricsReports.get(message.id)?.(worker.id, message.metrics);
        break;
    }
  });

  // Metrics: ask every listening worker for its registry, sum what arrives within the timeout.
  const metricsReports = new Map<number, (workerId: number, metrics: MetricsJson) => void>();
  let nextCollectId = 0;
  function collectMetrics() {
    const id = nextCollectId++;
    const asked = [...workers.values()].filter((w) => w.listening && w.worker.isConnected());
    const reports = new Map<number, MetricsJson>();
    return new Promise<MetricsJson[]>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        metricsReports.delete(id);
        resolve([...reports.values()]);
      };
      const timer = setTimeout(finish, METRICS_COLLECT_TIMEOUT_MS);
      metricsReports.set(id, (workerId, report) => {
        reports.set(workerId, report);
        if (reports.size >= asked.length) finish();
      });
      if (asked.length === 0) finish();
      for (const state of asked) send(state.worker, { type: 'dd:metrics-collect', id });
    }).then(async (reports) => {
      const { aggregateMetrics, createPrimaryMetrics } = await import('./metrics.js');
      const primary = createPrimaryMetrics(restarts);
      return aggregateMetrics(reports, primary);
    });
  }

  if (settings.metrics) serveMetrics(settings.metrics, collectMetrics, log);

  cluster.on('exit', (worker, code, signal) => {
    const state = workers.get(worker.id);
    workers.delete(worker.id);
    if (!state) return;
    const fields = { worker_pid: state.pid, exit_code: code, signal };
    if (stopping || state.retiring) {
      log.info({ event: 'worker_stopped', ...fields }, `worker ${state.pid} stopped`);
      if (stopping && workers.size === 0) finishStop();
      return;
    }
    const reason = state.blocked ? 'blocked' : 'exit';
    restarts[reason] += 1;
    if (!state.listening) bootFailures += 1;
    if (bootFailures >= MAX_BOOT_FAILURES) {
      log.error(
        { event: 'server_boot_failed', ...fields, boot_failures: bootFailures },
        `${bootFailures} workers in a row died before listening; ${appName} stops`,
      );
      stopping = true;
      for (const other of workers.values()) other.worker.process.kill('SIGKILL');
      process.exit(1);
    }
    log.warn(
      { event: 'worker_replaced', reason, ...fields },
      state.blocked
        ? `worker ${state.pid} was blocked and killed; replacing it`
        : `worker ${state.pid} died; replacing it`,
    );
    // A worker that dies before listening is retried with a growing pause, so a crash loop cannot spin.
    restartDelayMs = state.listening ? 0 : Math.min(5000, Math.max(100, restartDelayMs * 2));
    setTimeout(() => {
      if (!stopping) fork();
    }, restartDelayMs);
  });

  // Watchdog: a worker whose event loop is blocked (or that is stopped) sends no heartbeat; kill it well before
  // the requests it holds reach their deadline.
  const watchdog = setInterval(
    () => {
      const now = Date.now();
      for (const state of workers.values()) {
        if (state.blocked) continue;
        const silentMs = now - state.lastHeartbeat;
        const stuck = state.listening
          ? silentMs > settings.watchdogTimeoutMs
          : now - state.forkedAt > BOOT_TIMEOUT_MS;
        if (!stuck) continue;
        state.blocked = true;
        log.error(
          {
            event: 'worker_blocked',
            worker_pid: state.pid,
            silent_ms: silentMs,
            timeout_ms: settings.watchdogTimeoutMs,
          },
          state.listening
            ? `worker ${state.pid} sent no heartbeat for ${silentMs} ms (limit ${settings.watchdogTimeoutMs} ms); killing it`
            : `worker ${state.pid} did not start listening within ${BOOT_TIMEOUT_MS} ms; killing it`,
        );
        state.worker.process.kill('SIGKILL');
      }
    },
    Math.max(50, Math.floor(settings.heartbeatIntervalMs / 2)),
  );

  function retire(state: WorkerState): Promise<void> {
    state.retiring = true;
    return new Promise((resolve) => {
      state.worker.once('exit', () => resolve());
      // One still loading the app serves nothing and may not read messages for a while: end it at once.
      if (!state.listening) return void state.worker.process.kill('SIGKILL');
      send(state.worker, { type: 'dd:shutdown' });
      // A worker that cannot finish within the graceful timeout (plus a margin) is killed.
      setTimeout(() => state.worker.process.kill('SIGKILL'), settings.gracefulTimeoutMs + 5000).unref();
    });
  }

  function waitListening(state: WorkerState): Promise<boolean> {
    return new Promise((resolve) => {
      const check = setInterval(() => {
        if (state.listening || !workers.has(state.worker.id) || stopping) {
          clearInterval(check);
          resolve(state.listening);
        }
      }, 50);
    });
  }

  let rolling = false;
  async function rollingRestart(): Promise<void> {
    if (rolling || stopping) return;
    rolling = true;
    const old = [...workers.values()].filter((w) => !w.retiring);
    log.info(
      { event: 'rolling_restart', workers: old.length },
      `replacing ${old.length} workers one at a time`,
    );
    for (const state of old) {
      if (stopping) break;
      const fresh = fork();
      if (!(await waitListening(fresh))) continue;
      if (workers.has(state.worker.id)) await retire(state);
    }
    rolling = false;
    if (!stopping) log.info({ event: 'rolling_restart_done' }, 'rolling restart finished');
  }

  function stop(signal: NodeJS.Signals): void {
    if (stopping) {
      log.info({ event: 'server_stopping', signal }, `${signal} received again; still stopping`);
      return;
    }
    stopping = true;
    log.info({ event: 'server_stopping', signal, workers: workers.size }, `${appName} stopping (${signal})`);
    if (workers.size === 0) finishStop();
    for (const state of workers.values()) void retire(state);
    // Safety net: the workers bound their own drain by the graceful timeout.
    setTimeout(() => {
      log.error({ event: 'server_stop_forced' }, 'workers did not stop in time; killing them');
      for (const state of workers.values()) state.worker.process.kill('SIGKILL');
      process.exit(1);
    }, settings.gracefulTimeoutMs + 10_000).unref();
  }

  function finishStop(): void {
    clearInterval(watchdog);
    log.info({ event: 'server_stopped' }, `${appName} stopped`);
    process.exit(0);
  }

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => void rollingRestart());

  // Workers accept from the shared listening socket themselves (as gunicorn's do), not through the primary:
  // a connection waiting to be accepted survives the death of any one worker, where round-robin hand-off
  // would leave a connection passed to a worker that just died hanging forever.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // One worker first, the rest once it listens: on a small machine the port answers after one worker's boot,
  // not after all of them have shared the CPU to boot together.
  fork();
}
