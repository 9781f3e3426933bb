import type { Redis } from 'ioredis';

/** The outcome of the antivirus and type checks for one file, as cached. */
export type CheckResult = { mimetype: string } | { error: string; status: number };

export interface CheckResultCache {
  get(key: string): Promise<CheckResult | undefined>;
  set(key: string, value: CheckResult, ttlSeconds: number): Promise<void>;
}

export const CHECK_RESULT_TTL_SECONDS = 24 * 60 * 60;

/** One process's cache: a bounded map with expiry (oldest entries go first when full). */
export class MemoryCheckResultCache implements CheckResultCache {
  private readonly entries = new Map<string, { value: CheckResult; expiresAt: number }>();
  constructor(
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CheckResult | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async set(key: string, value: CheckResult, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
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
