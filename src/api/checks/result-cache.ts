import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

/** The outcome of the antivirus and type checks for one file, as cached. */
export type CheckResult = { mimetype: string } | { error: string; status: number };

export interface CheckResultCache {
  get(key: string): Promise<CheckResult | undefined>;
  set(key: string, value: CheckResult, ttlSeconds: number): Promise<void>;
}

export const CHECK_RESULT_TTL_SECONDS = 24 * 60 * 60;

/** One process's cache: at most `maxEntries` (the least recently used go first when full), each for its TTL. */
export class MemoryCheckResultCache implements CheckResultCache {
  private readonly entries: LRUCache<string, CheckResult>;
  constructor(maxEntries = 10_000, now: () => number = Date.now) {
    this.entries = new LRUCache({
      max: maxEntries,
      ttl: CHECK_RESULT_TTL_SECONDS * 1000,
      // Checked against the clock on every read (no timestamp reused for a moment); no purge timers.
      ttlResolution: 0,
      ttlAutopurge: false,
      perf: { now },
    });
  }

  async get(key: string): Promise<CheckResult | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, value: CheckResult, ttlSeconds: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }
}

/**
 * Shared by every process and replica. A Redis failure is a cache miss, never a failed request, and never a
 * wait: while the connection is not ready nothing is asked (a client that queues commands offline would hold
 * the upload until it gives up).
 */
export class RedisCheckResultCache implements CheckResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'document-download:file-checks:',
  ) {}

  async get(key: string): Promise<CheckResult | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    try {
      const raw = await this.redis.get(this.prefix + key);
      return raw === null ? undefined : (JSON.parse(raw) as CheckResult);
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CheckResult, ttlSeconds: number): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      await this.redis.set(this.prefix + key, JSON.stringify(value), 'EX', ttlSeconds);
    } catch {
      // Caching is an optimisation.
    }
  }
}
