import { Redis } from 'ioredis';
import type { Logger } from '../common/logging.js';

/** A command Redis has not answered by then fails (the connection looks up but is not answering). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 1000;
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * The API's Redis connection, made to fail fast: while Redis is unreachable a command fails at once instead of
 * waiting in ioredis' offline queue for reconnection attempts (which stalled every request for ~12 s), so the
 * rate limiter fails closed (503) and the file-check cache misses without delay. Reconnection keeps being tried
 * in the background, at least once a second, so service comes back by itself when Redis does.
 */
export function openRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(50 * 2 ** times, MAX_RECONNECT_DELAY_MS),
  });
  // One warning per outage rather than one per reconnection attempt.
  let healthy = true;
  redis.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: error }, 'redis connection error');
  });
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info('redis connection restored');
  });
  return redis;
}

/**
 * Waits (bounded) for the first connection, so that a freshly started API does not refuse its first requests
 * while connecting; a Redis that is down at start-up is not waited for longer than that.
 */
export async function firstConnection(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    redis.on('ready', done);
  });
}

/** The Redis connection the API uses, if any, and how to let it go when the app closes. */
export interface ApiRedis {
  connection: Redis | undefined;
  /** Closes the connection when the API opened it (one passed in belongs to the caller). */
  close(): Promise<void>;
}

/**
 * Opens REDIS_URL when Redis is enabled and some Redis-backed part (the rate limiter, the file-check cache)
 * was not passed in, and waits for its first connection; else uses the connection given, or none.
 */
export async function apiRedis(
  config: { enabled: boolean; url: string },
  deps: { redis?: Redis | undefined; needsConnection: boolean; logger: Logger },
): Promise<ApiRedis> {
  if (deps.redis) return { connection: deps.redis, close: async () => undefined };
  if (!config.enabled || !deps.needsConnection)
    return { connection: undefined, close: async () => undefined };
  const redis = openRedis(config.url, deps.logger);
  await firstConnection(redis);
  return { connection: redis, close: () => closeRedis(redis) };
}

/**
 * QUIT politely when connected (bounded), then drop the connection: a Redis that is down would otherwise keep
 * the close waiting on reconnection attempts forever.
 */
async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await Promise.race([
      redis.quit().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
  }
  redis.disconnect();
}
