/**
 * Deadlines that all lie the same fixed time after they were set, so they expire in the order they were set:
 * one list in that order, swept by one timer, instead of a timer per deadline. Entries are the callers' own
 * objects (no allocation per deadline); set, cancel and expiry are O(1).
 */
export interface DeadlineEntry {
  /** When it expires (performance.now() ms); 0 while not in the queue. */
  due: number;
  previous: DeadlineEntry | undefined;
  next: DeadlineEntry | undefined;
}

export class DeadlineQueue<E extends DeadlineEntry> {
  private head: E | undefined;
  private tail: E | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sweep = () => this.expireDue();

  constructor(
    readonly timeoutMs: number,
    private readonly onExpired: (entry: E) => void,
  ) {}

  /** Sets the entry's deadline timeoutMs from now (moving it if it had one). */
  set(entry: E): void {
    this.cancel(entry);
    entry.due = performance.now() + this.timeoutMs;
    entry.previous = this.tail;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.timer ??= setTimeout(this.sweep, this.timeoutMs);
  }

  /** Removes the entry's deadline, if it has one. */
  cancel(entry: E): void {
    if (entry.due === 0) return;
    entry.due = 0;
    const { previous, next } = entry;
    if (previous) previous.next = next;
    else this.head = next as E | undefined;
    if (next) next.previous = previous;
    else this.tail = previous as E | undefined;
    entry.previous = entry.next = undefined;
    // Nothing left to wait for: no timer keeps the process alive.
    if (!this.head && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head && this.head.due <= now) {
      const entry = this.head;
      this.cancel(entry);
      this.onExpired(entry);
    }
    // The timer may wake a little before the next deadline (it had one set earlier that went): wait on.
    if (this.head && !this.timer) {
      this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(this.head.due - now)));
    }
  }
}
