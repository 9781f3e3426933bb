import cluster from 'node:cluster';
import { pino } from 'pino';
import { ConfigError, isLocalEnvironment, type Env } from '../common/env.js';
import { createLogger, type Logger } from '../common/logging.js';
import { terminalLogDestination } from '../common/terminal-logs.js';
import { loadServerSettings, type ServedAppConfig, type ServerSettings } from './settings.js';
import type { ServableApp } from './worker.js';

/** A worker's log lines go out in writes of at least this many bytes (about ten access lines)... */
const LOG_WRITE_BYTES = 4096;
/** ...or at most this long after they were logged. */
const LOG_FLUSH_MS = 100;
/**
 * If stdout stops being read, lines beyond this many buffered bytes are dropped: a worker's memory stays bounded
 * and it goes on serving (a synchronous write would instead block every request until the watchdog stepped in).
 */
const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** An app the runtime can serve: the frontend, the API, or a test app. */
export interface ServedApp<C extends ServedAppConfig> {
  /** Logged on every line, e.g. "document-download-frontend". */
  name: string;
  loadConfig(env: Env): C;
  /** A ready, not listening app. */
  build(config: C, deps: { logger: Logger }): Promise<ServableApp>;
}

/** Reads the configuration, or prints the one-line problem and exits non-zero. */
export function loadOrExit<C extends ServedAppConfig>(
  spec: ServedApp<C>,
  env: Env,
): { config: C; settings: ServerSettings } {
  try {
    const config = spec.loadConfig(env);
    return { config, settings: loadServerSettings(env, config) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${spec.name}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Entry point of a served app. In the primary process: validates the configuration once (one clear line and
 * exit code 2 on a problem) and forks the workers. In a worker: builds the app and serves. With one worker
 * (WEB_CONCURRENCY=1) there is no primary: the process builds the app and serves alone.
 */
export async function runServer<C extends ServedAppConfig>(
  spec: ServedApp<C>,
  env: Env = process.env,
): Promise<void> {
  const { config, settings } = loadOrExit(spec, env);
  // `entrypoint.sh web-local|api-local` in a terminal: readable lines instead of JSON.
  const pretty = await terminalLogDestination(isLocalEnvironment(env.NOTIFY_ENVIRONMENT ?? ''));
  // The primary writes few lines and exits right after its last: synchronous writes keep them all, in order.
  const syncLogger = () =>
    createLogger({
      app: spec.name,
      level: settings.logLevel,
      destination: pretty ?? pino.destination({ dest: 1, sync: true }),
    });
  // A worker writes a line per request: lines are gathered into writes of at least LOG_WRITE_BYTES, or whatever
  // has gathered after LOG_FLUSH_MS. What is still buffered is written synchronously when the process exits,
  // whether by process.exit (a graceful stop ends that way) or an uncaught exception.
  const requestLogger = () =>
    createLogger({
      app: spec.name,
      level: settings.logLevel,
      destination:
        pretty ??
        pino.destination({
          dest: 1,
          sync: false,
          minLength: LOG_WRITE_BYTES,
          periodicFlush: LOG_FLUSH_MS,
          maxLength: LOG_BUFFER_MAX_BYTES,
        }),
    });
  if (cluster.isPrimary && settings.workers === 1) {
    const logger = requestLogger();
    const { runStandalone } = await import('./standalone.js');
    await runStandalone(spec.name, () => spec.build(config, { logger }), settings, logger, syncLogger());
  } else if (cluster.isPrimary) {
    // Each role loads only its own modules: the primary forks its first worker sooner.
    const { runPrimary } = await import('./primary.js');
    runPrimary(spec.name, settings, syncLogger());
  } else {
    const logger = requestLogger();
    const { runWorker } = await import('./worker.js');
    await runWorker(() => spec.build(config, { logger }), settings, logger);
  }
}
