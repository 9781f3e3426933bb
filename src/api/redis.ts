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
