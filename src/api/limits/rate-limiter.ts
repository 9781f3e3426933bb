export interface RateDecision {
  allowed: boolean;
  /** When refused: whole seconds until an attempt can succeed (at least 1). */
  retryAfterSeconds: number;
}

/**
 * A sliding-window limit: at most `limit` accepted attempts per key in any `intervalSeconds`. Refused attempts
 * are not counted, so a person who waits for Retry-After gets in.
 */
export interface RateLimiter {
  consume(key: string): Promise<RateDecision>;
  close?(): Promise<void>;
}

export interface RateLimit {
  limit: number;
  intervalSeconds: number;
}
