import type { Server as HttpServer, ServerResponse } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Logger } from '../common/logging.js';
import { isPrimaryMessage, type WorkerMessage } from './messages.js';
import { listenInWorker } from './metrics.js';
import type { ServerSettings } from './settings.js';

/** After stop begins, connections that stay idle this long are closed (busy ones close after their response). */
const IDLE_GRACE_MS = 1000;

/** What the runtime needs of an app: a Fastify instance is one. */
export interface ServableApp {
  server: HttpServer;
  listen(options: { port: number; host: string }): Promise<unknown>;
  close(): Promise<unknown>;
}

/** Exits once the logger has written what it holds (worker logs are written asynchronously). */
function exitAfterLogs(logger: Logger, code: number): void {
  setTimeout(() => process.exit(code), 1000).unref();
  logger.flush(() => process.exit(code));
}

function sendToPrimary(message: WorkerMessage): void {
  if (process.connected) process.send?.(message);
}

/** Applies the seed's gunicorn settings to the app's HTTP server. */
export function applyServerSettings(app: ServableApp, settings: ServerSettings): void {
  const server = app.server;
  server.keepAliveTimeout = settings.keepAliveMs;
  server.headersTimeout = settings.headersTimeoutMs;
  server.requestTimeout = settings.receiveTimeoutMs;
  // Node checks both timers this often (read when the server starts listening); its default is 30 s.
  (server as HttpServer & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1000;
  server.maxConnections = settings.workerConnections;
}

/**
 * One worker: heartbeats to the primary from the first moment (so a blocked event loop shows), builds the
 * app, applies the server settings, listens on the shared port, and drains gracefully when the primary says so
 * (or when the primary is gone). Signals sent to the whole process group are left to the primary; a
 * `standalone` worker (WEB_CONCURRENCY=1, no primary) drains on SIGTERM/SIGINT itself.
 */
export async function runWorker(
  build: () => Promise<ServableApp>,
  settings: ServerSettings,
  logger: Logger,
  { standalone = false } = {},
): Promise<void> {
  const heartbeat = setInterval(() => sendToPrimary({ type: 'dd:heartbeat' }), settings.heartbeatIntervalMs);
  listenInWorker();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const stops = standalone && signal !== 'SIGHUP';
    process.on(signal, stops ? () => void drain(signal) : () => undefined);
  }

  // Until the app listens, a stop has nothing to wait for.
  let drain = (reason: string): Promise<void> => {
    logger.info({ event: 'worker_stopped', reason }, 'worker stopped before it started listening');
    exitAfterLogs(logger, 0);
    return Promise.resolve();
  };
  process.on('message', (message: unknown) => {
    if (isPrimaryMessage(message) && message.type === 'dd:shutdown') void drain('primary asked');
  });
  process.on('disconnect', () => void drain('primary gone'));

  let app: ServableApp;
  try {
    app = await build();
    applyServerSettings(app, settings);
  } catch (err) {
    logger.error({ event: 'worker_boot_failed', err }, 'worker could not build the app');
    return exitAfterLogs(logger, 1);
  }

  const server = app.server;
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  // Runs before the app's own handler: while draining, every response closes its connection after it is sent.
  server.prependListener('request', (_request, response: ServerResponse) => {
    if (draining) response.shouldKeepAlive = false;
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });

  drain = async (reason: string): Promise<void> => {
    if (draining) return;
    draining = true;
    const started = Date.now();
    logger.info({ event: 'worker_stopping', reason, in_flight: inFlight.size }, 'worker stopping');
    for (const response of inFlight) if (!response.headersSent) response.shouldKeepAlive = false;

    // Stop accepting new connections without cutting idle keep-alive ones at once (http.Server#close would):
    // a client may be sending on one right now. Its response will say `Connection: close`.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    const idleCloser = setTimeout(function closeIdle() {
      server.closeIdleConnections();
      idleCloser.refresh();
    }, IDLE_GRACE_MS);
    const deadline = new Promise<'deadline'>((resolve) =>
      setTimeout(() => resolve('deadline'), settings.gracefulTimeoutMs).unref(),
    );
    const outcome = await Promise.race([closed.then(() => 'drained' as const), deadline]);
    clearTimeout(idleCloser);
    if (outcome === 'deadline') {
      logger.warn(
        { event: 'worker_drain_timeout', in_flight: inFlight.size },
        `requests still running after ${settings.gracefulTimeoutMs} ms; closing their connections`,
      );
      server.closeAllConnections();
    }
    try {
      await app.close();
    } catch (err) {
      logger.error({ event: 'worker_close_failed', err }, 'app close failed');
    }
    clearInterval(heartbeat);
    logger.info({ event: 'worker_stopped', drain_ms: Date.now() - started }, 'worker stopped');
    exitAfterLogs(logger, 0);
  };

  try {
    await app.listen({ port: settings.port, host: settings.host });
  } catch (err) {
    logger.error({ event: 'worker_listen_failed', err }, `worker could not listen on port ${settings.port}`);
    return exitAfterLogs(logger, 1);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  logger.info({ event: 'worker_started', port }, `worker listening on port ${port}`);
  sendToPrimary({ type: 'dd:listening', port });
}
