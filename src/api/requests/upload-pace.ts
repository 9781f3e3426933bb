import { ApiError } from '../errors.js';

export interface UploadPaceLimits {
  /** No byte for this long ends the upload. */
  stallTimeoutMs: number;
  /** Fewer bytes a second than this, averaged over `windowMs`, ends it (0: no rate rule). */
  minBytesPerSecond: number;
  windowMs: number;
}

export const UPLOAD_STALLED = 'The upload stalled: no data arrived in time';
export const UPLOAD_TOO_SLOW = 'The upload was too slow';

/** How often the pace is checked: the stall rule is kept to this. */
const TICK_MS = 250;

/**
 * The rule a streamed upload is held to instead of the fixed request deadline: a slow but steady upload goes
 * on, one that stalls or crawls is ended. Its signal aborts with a 408 ApiError saying which.
 */
export class UploadPace {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** Since when the rate is judged: the start, or the end of the last wait for downstream work. */
  private judgedSince: number;
  private lastByteAt: number;
  private bytes = 0;
  /** Downstream work the reading waits for: the client is not stalling while it is held back. */
  private busy = 0;
  /** Byte counts at each tick over the last window, oldest first. */
  private readonly samples: Array<{ at: number; bytes: number }> = [];

  constructor(
    private readonly limits: UploadPaceLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.judgedSince = now();
    this.lastByteAt = this.judgedSince;
    this.timer = setInterval(() => this.check(), Math.min(TICK_MS, limits.stallTimeoutMs));
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  received(bytes: number): void {
    this.bytes += bytes;
    this.lastByteAt = this.now();
  }

  /** Waits for downstream work (the scanner or the store taking a chunk) without counting it against the client. */
  async heldBackBy<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work;
    } finally {
      this.busy--;
      this.lastByteAt = this.now();
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Exposed for tests with their own clock. */
  check(): void {
    const now = this.now();
    if (this.busy > 0) {
      // Held back by the scanner or the store: neither rule judges the client for that time.
      this.lastByteAt = now;
      this.judgedSince = now;
      this.samples.length = 0;
      return;
    }
    if (now - this.lastByteAt >= this.limits.stallTimeoutMs) return this.end(UPLOAD_STALLED);
    this.samples.push({ at: now, bytes: this.bytes });
    while (this.samples.length > 1 && now - this.samples[1]!.at >= this.limits.windowMs) this.samples.shift();
    const oldest = this.samples[0]!;
    // The average over a whole window only: the first seconds of an upload (TCP slow start) are not judged.
    if (this.limits.minBytesPerSecond > 0 && now - this.judgedSince >= this.limits.windowMs) {
      const seconds = (now - oldest.at) / 1000;
      const rate = seconds > 0 ? (this.bytes - oldest.bytes) / seconds : Infinity;
      if (now - oldest.at >= this.limits.windowMs && rate < this.limits.minBytesPerSecond) {
        return this.end(UPLOAD_TOO_SLOW);
      }
    }
  }

  private end(message: string): void {
    this.stop();
    this.controller.abort(new ApiError(408, message));
  }
}
