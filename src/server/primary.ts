import cluster from 'node:cluster';
import type { Logger } from '../common/logging.js';
import { GracefulStop } from './graceful-stop.js';
import { isWorkerMessage } from './messages.js';
import { MetricsCollection } from './metrics-collection.js';
import { serveMetrics, type MetricsExposition } from './metrics-server.js';
import { RollingRestart } from './rolling-restart.js';
import type { ServerSettings } from './settings.js';
import { Watchdog } from './watchdog.js';
import { WorkerPool, type WorkerProcess } from './worker-pool.js';

/** Forks one cluster worker, seen through what the pool needs of it. */
function forkClusterWorker(): WorkerProcess {
  const worker = cluster.fork();
  return {
    id: worker.id,
    pid: worker.process.pid ?? 0,
    isConnected: () => worker.isConnected(),
    send: (message) => void worker.send(message),
    kill: () => void worker.process.kill('SIGKILL'),
    onceExit: (listener) => void worker.once('exit', () => listener()),
  };
}

/**
 * The primary: forks the workers and replaces any that die (worker-pool.ts) or stop answering heartbeats
 * (watchdog.ts), serves the metrics aggregation (metrics-collection.ts), stops gracefully on SIGTERM/SIGINT
 * (graceful-stop.ts) and replaces every worker one at a time on SIGHUP (rolling-restart.ts). This function
 * only builds those pieces and connects them to the cluster's events and the process's signals.
 */
export function runPrimary(appName: string, settings: ServerSettings, logger: Logger): void {
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

  const exit = (code: number) => process.exit(code);
  const pool = new WorkerPool({
    appName,
    size: settings.workers,
    gracefulTimeoutMs: settings.gracefulTimeoutMs,
    log,
    fork: forkClusterWorker,
    exit,
    onAllStopped: () => gracefulStop.finish(),
  });
  const watchdog = new Watchdog(pool, settings, log);
  const gracefulStop = new GracefulStop(pool, {
    appName,
    gracefulTimeoutMs: settings.gracefulTimeoutMs,
    log,
    exit,
    beforeExit: () => watchdog.stop(),
  });
  const rollingRestart = new RollingRestart(pool, log);
  const metrics = new MetricsCollection();

  cluster.on('message', (worker, message: unknown) => {
    if (!pool.has(worker.id) || !isWorkerMessage(message)) return;
    switch (message.type) {
      case 'dd:heartbeat':
        pool.heartbeat(worker.id);
        break;
      case 'dd:listening':
        pool.listening(worker.id, message.port);
        break;
      case 'dd:metrics-report':
        metrics.receive(message.id, worker.id, message.metrics);
        break;
    }
  });

  if (settings.metrics) {
    const collectMetrics = async (): Promise<MetricsExposition> => {
      const reports = await metrics.collect(pool.listeningWorkers());
      // Loaded on the first scrape only: the primary starts without prom-client.
      const { aggregateMetrics, createPrimaryMetrics } = await import('./metrics.js');
      return aggregateMetrics(reports, createPrimaryMetrics(pool.restarts));
    };
    serveMetrics(settings.metrics, collectMetrics, log);
  }

  cluster.on('exit', (worker, code, signal) => pool.exited(worker.id, code, signal));
  watchdog.start();

  process.on('SIGTERM', () => gracefulStop.stop('SIGTERM'));
  process.on('SIGINT', () => gracefulStop.stop('SIGINT'));
  process.on('SIGHUP', () => void rollingRestart.run());

  // Workers accept from the shared listening socket themselves (as gunicorn's do), not through the primary:
  // a connection waiting to be accepted survives the death of any one worker, where round-robin hand-off
  // would leave a connection passed to a worker that just died hanging forever.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // One worker first, the rest once it listens: on a small machine the port answers after one worker's boot,
  // not after all of them have shared the CPU to boot together.
  pool.fork();
}
