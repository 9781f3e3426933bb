import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

// Atomic in Redis: drop attempts older than the window, count, add this one if there is room. Time comes from
// the Redis server so that every replica shares one clock. Members are unique (time + random), so two attempts
// in the same microsecond both count.
const SLIDING_WINDOW = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}
`;

type WithScript = Redis & {
  documentDownloadSlidingWindow(
    key: string,
    limit: number,
    windowMicros: number,
    member: string,
  ): Promise<[number, number]>;
};

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: WithScript;

  constructor(
    redis: Redis,
    private readonly rate: RateLimit,
    private readonly prefix = 'document-download:authenticate:',
  ) {
    if (!('documentDownloadSlidingWindow' in redis)) {
      redis.defineCommand('documentDownloadSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    }
    this.redis = redis as WithScript;
  }

  async consume(key: string): Promise<RateDecision> {
    const [allowed, waitMicros] = await this.redis.documentDownloadSlidingWindow(
      this.prefix + key,
      this.rate.limit,
      this.rate.intervalSeconds * 1_000_000,
      randomBytes(8).toString('hex'),
    );
    return allowed === 1
      ? { allowed: true, retryAfterSeconds: 0 }
      : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMicros / 1_000_000)) };
  }
}
