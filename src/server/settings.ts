import { type Env, integerVariable } from '../common/config-error.js';

/** What every app served by this runtime tells it from its own configuration. */
export interface ServedAppConfig {
  port: number;
  /** The per-request deadline (HTTP_SERVE_TIMEOUT_SECONDS); the app answers 504 at it, the watchdog uses it. */
  requestTimeoutMs: number;
  logLevel: string;
}

/** The seed's gunicorn settings, as the process model here reads them. */
export interface ServerSettings {
  port: number;
  host: string;
  /** Worker processes sharing the port (gunicorn `workers`). */
  workers: number;
  /** Concurrent connections one worker accepts (gunicorn `worker_connections`) → server.maxConnections. */
  workerConnections: number;
  /** Idle keep-alive timeout (gunicorn `keepalive`) → server.keepAliveTimeout. */
  keepAliveMs: number;
  /**
   * Time for a request's headers to arrive, from its first byte (or from the connection's start), whatever
   * the keep-alive timeout: a client dripping its headers is cut off with a 408. Idle keep-alive connections
   * are not timed by it.
   */
  headersTimeoutMs: number;
  /** Time to receive a whole request: headers, then a body for at most the request deadline. */
  receiveTimeoutMs: number;
  /** Request deadline (gunicorn `timeout`): a worker whose event loop is blocked this long is replaced. */
  requestTimeoutMs: number;
  /** How long a stopping worker waits for in-flight requests before cutting them (gunicorn `graceful_timeout`). */
  gracefulTimeoutMs: number;
  /** How often a worker tells the primary it is alive. */
  heartbeatIntervalMs: number;
  logLevel: string;
  /** Where the primary serves the whole cluster's Prometheus metrics; off the public port. No port: not served. */
  metrics?: { port: number; host: string };
}

export const SERVER_DEFAULTS = {
  workers: 10,
  workerConnections: 1000,
  keepAliveSeconds: 90,
  requestTimeoutSeconds: 30,
  headersTimeoutSeconds: 15,
} as const;

/**
 * Reads the process-model settings. The port, deadline and log level come from the app's own configuration
 * (PORT, HTTP_SERVE_TIMEOUT_SECONDS, LOG_LEVEL), so each is read and validated in one place.
 */
export function loadServerSettings(env: Env, app: ServedAppConfig): ServerSettings {
  const keepAliveMs =
    integerVariable(env, 'KEEPALIVE_SECONDS', SERVER_DEFAULTS.keepAliveSeconds, { min: 1 }) * 1000;
  const headersTimeoutMs =
    integerVariable(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', SERVER_DEFAULTS.headersTimeoutSeconds, { min: 1 }) *
    1000;
  const metricsPort = env.METRICS_PORT ? integerVariable(env, 'METRICS_PORT', 0, { min: 1 }) : undefined;
  const gracefulTimeoutMs =
    integerVariable(env, 'GRACEFUL_TIMEOUT_SECONDS', Math.ceil(app.requestTimeoutMs / 1000), { min: 0 }) *
    1000;
  return {
    port: app.port,
    host: env.HOST || '0.0.0.0',
    workers: integerVariable(env, 'WEB_CONCURRENCY', SERVER_DEFAULTS.workers, { min: 1 }),
    workerConnections: integerVariable(env, 'WORKER_CONNECTIONS', SERVER_DEFAULTS.workerConnections, {
      min: 1,
    }),
    keepAliveMs,
    headersTimeoutMs,
    receiveTimeoutMs: headersTimeoutMs + app.requestTimeoutMs,
    requestTimeoutMs: app.requestTimeoutMs,
    gracefulTimeoutMs,
    heartbeatIntervalMs: Math.min(1000, Math.max(100, Math.floor(app.requestTimeoutMs / 4))),
    logLevel: app.logLevel,
    ...(metricsPort ? { metrics: { port: metricsPort, host: env.METRICS_HOST || '127.0.0.1' } } : {}),
  };
}
