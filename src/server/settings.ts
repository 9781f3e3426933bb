import { type Env, integerVariable } from '../common/env.js';
import { usableCpus } from './cpus.js';

/** What every app served by this runtime tells it from its own configuration. */
export interface ServedAppConfig {
  port: number;
  /** The per-request deadline (HTTP_SERVE_TIMEOUT_SECONDS); the app answers 504 at it. */
  requestTimeoutMs: number;
  logLevel: string;
}

/** The seed's gunicorn settings, as the process model here reads them. */
export interface ServerSettings {
  port: number;
  host: string;
  /** Worker processes sharing the port (gunicorn `workers`); 1 means one process serving alone, no primary. */
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
  /**
   * A listening worker silent this long (blocked event loop, SIGSTOPped) is killed and replaced. Shorter than
   * the request deadline, so requests the kernel hands a stuck worker do not hang for the whole deadline.
   */
  watchdogTimeoutMs: number;
  logLevel: string;
  /** Where the primary serves the whole cluster's Prometheus metrics; off the public port. No port: not served. */
  metrics?: { port: number; host: string };
}

export const SERVER_DEFAULTS = {
  /** The seed's `workers`: the most workers started by default (fewer when fewer CPUs are usable). */
  workers: 10,
  /** The seed's `worker_connections`: with its 10 workers, 10 × 1000 connections in all. */
  workerConnections: 1000,
  keepAliveSeconds: 90,
  requestTimeoutSeconds: 30,
  headersTimeoutSeconds: 15,
} as const;

/**
 * Default worker count: one per CPU the process may use (Node serves asynchronously, so more workers than
 * CPUs only share them), at most the seed's 10.
 */
export function defaultWorkers(cpus: number): number {
  return Math.max(1, Math.min(SERVER_DEFAULTS.workers, cpus));
}

/** Default connections per worker: the seed's total capacity (10 × 1000) shared by however many workers run. */
export function defaultWorkerConnections(workers: number): number {
  return Math.ceil((SERVER_DEFAULTS.workers * SERVER_DEFAULTS.workerConnections) / workers);
}

/** A heartbeat a second, or a tenth of the deadline when that is shorter (at least every 100 ms). */
export function heartbeatInterval(requestTimeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.floor(requestTimeoutMs / 10)));
}

/**
 * The watchdog's limit: half the deadline, at most 5 s (five missed heartbeats) and at least 1 s (so a loaded
 * machine's scheduling delays kill nothing), never past the deadline. An event-loop stall of seconds in a Node
 * server is a fault, not work: the deadline is how long a request may take, not how long a worker may be deaf.
 */
export function watchdogTimeout(requestTimeoutMs: number): number {
  return Math.min(requestTimeoutMs, Math.max(1000, Math.min(5000, Math.floor(requestTimeoutMs / 2))));
}

/**
 * Reads the process-model settings. The port, deadline and log level come from the app's own configuration
 * (PORT, HTTP_SERVE_TIMEOUT_SECONDS, LOG_LEVEL), so each is read and validated in one place. `cpus` is how
 * many CPUs the process may use (affinity and cgroup quota), read from the system unless given.
 */
export function loadServerSettings(env: Env, app: ServedAppConfig, cpus = usableCpus()): ServerSettings {
  const keepAliveMs =
    integerVariable(env, 'KEEPALIVE_SECONDS', SERVER_DEFAULTS.keepAliveSeconds, { min: 1 }) * 1000;
  const headersTimeoutMs =
    integerVariable(env, 'HTTP_HEADERS_TIMEOUT_SECONDS', SERVER_DEFAULTS.headersTimeoutSeconds, { min: 1 }) *
    1000;
  const metricsPort = env.METRICS_PORT ? integerVariable(env, 'METRICS_PORT', 0, { min: 1 }) : undefined;
  const gracefulTimeoutMs =
    integerVariable(env, 'GRACEFUL_TIMEOUT_SECONDS', Math.ceil(app.requestTimeoutMs / 1000), { min: 0 }) *
    1000;
  const workers = integerVariable(env, 'WEB_CONCURRENCY', defaultWorkers(cpus), { min: 1 });
  return {
    port: app.port,
    host: env.HOST || '0.0.0.0',
    workers,
    workerConnections: integerVariable(env, 'WORKER_CONNECTIONS', defaultWorkerConnections(workers), {
      min: 1,
    }),
    keepAliveMs,
    headersTimeoutMs,
    receiveTimeoutMs: headersTimeoutMs + app.requestTimeoutMs,
    requestTimeoutMs: app.requestTimeoutMs,
    gracefulTimeoutMs,
    heartbeatIntervalMs: heartbeatInterval(app.requestTimeoutMs),
    watchdogTimeoutMs: watchdogTimeout(app.requestTimeoutMs),
    logLevel: app.logLevel,
    ...(metricsPort ? { metrics: { port: metricsPort, host: env.METRICS_HOST || '127.0.0.1' } } : {}),
  };
}
