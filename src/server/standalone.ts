import type { Logger } from '../common/logging.js';
import { workerRegistry } from './metrics.js';
import { serveMetrics } from './metrics-server.js';
import type { ServerSettings } from './settings.js';
import { runWorker, type ServableApp } from './worker.js';

/**
 * WEB_CONCURRENCY=1: one process serves alone, with no primary (the norm when each container runs one
 * process and the orchestrator replaces it). It keeps the worker's request deadline, connection settings,
 * graceful stop on SIGTERM/SIGINT and /metrics (its own registry, on METRICS_PORT as the primary would), and writes the primary's lifecycle lines
 * (`server_starting`, `server_started`, `server_stopping`, `server_stopped`) itself. A blocked event loop is
 * left to the orchestrator's health check: nothing in the process could see it.
 *
 * `lifecycle` writes synchronously, so the last line is out before the process exits.
 */
export async function runStandalone(
  appName: string,
  build: () => Promise<ServableApp>,
  settings: ServerSettings,
  logger: Logger,
  lifecycle: Logger,
): Promise<void> {
  lifecycle.info(
    {
      event: 'server_starting',
      port: settings.port,
      host: settings.host,
      workers: 1,
      worker_connections: settings.workerConnections,
      keepalive_seconds: settings.keepAliveMs / 1000,
      timeout_seconds: settings.requestTimeoutMs / 1000,
      graceful_timeout_seconds: settings.gracefulTimeoutMs / 1000,
    },
    `${appName} starting as one process`,
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () =>
      lifecycle.info({ event: 'server_stopping', signal }, `${appName} stopping (${signal})`),
    );
  }
  process.once('exit', (code) => {
    if (code === 0) lifecycle.info({ event: 'server_stopped' }, `${appName} stopped`);
  });

  let app: ServableApp | undefined;
  await runWorker(async () => (app = await build()), settings, logger, { standalone: true });
  const address = app?.server.listening ? app.server.address() : null;
  if (typeof address !== 'object' || !address) return; // it could not start: runWorker is exiting
  if (settings.metrics) {
    serveMetrics(
      settings.metrics,
      async () => ({ text: await workerRegistry.metrics(), contentType: workerRegistry.contentType }),
      lifecycle,
    );
  }
  lifecycle.info(
    { event: 'server_started', port: address.port, workers: 1 },
    `${appName} listening on port ${address.port} as one process`,
  );
}
