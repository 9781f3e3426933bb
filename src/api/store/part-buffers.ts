/**
 * The multipart part buffers of every staged write of one S3 store, within a budget of `budgetParts` for the
 * process. Each write may always hold one buffer, even over the budget, so it never waits for another write (a
 * slow client cannot hold up anyone else, and no write can deadlock on the pool); a write fills the next part
 * while the last is sent only with a buffer borrowed while fewer than `budgetParts` are held. A lone upload so
 * sends parts in parallel, and many at once get one buffer each. Buffers given back are kept for the next write
 * (within the budget) rather than left for the collector: V8 frees large external buffers late, so unreused
 * parts pile up as resident memory.
 *
 * The buffers that exist, held or kept, are about max(budget, writes) (plus, for a moment, the borrowed parts
 * still being sent when new writes take their own).
 */
export class PartBuffers {
  private readonly idle: Buffer[] = [];
  private held = 0;

  constructor(
    readonly partBytes: number,
    readonly budgetParts: number,
  ) {}

  /** The one buffer a write may always hold. */
  own(): Buffer {
    this.held++;
    return this.idle.pop() ?? Buffer.allocUnsafe(this.partBytes);
  }

  /** One more buffer if the budget has room, else undefined (the caller waits for its own). */
  borrow(): Buffer | undefined {
    return this.held < this.budgetParts ? this.own() : undefined;
  }

  /** Gives a buffer back; its holder must not touch it again. */
  release(buffer: Buffer): void {
    this.held--;
    if (this.held + this.idle.length < this.budgetParts) this.idle.push(buffer);
  }

  /** Buffers held by writes. */
  get inUse(): number {
    return this.held;
  }

  /** Buffers kept for reuse. */
  get kept(): number {
    return this.idle.length;
  }
}
