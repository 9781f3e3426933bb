/**
 * Read buffers shared by the downloads of one process, handed back when a download ends. A fresh buffer for each
 * download costs more CPU than the reads into it: the kernel faults in and zeroes its pages, and every freed
 * megabyte brings V8's next full garbage collection closer (it counts buffer memory). Idle buffers are kept up
 * to a bound, so memory stays what the busiest moment needed, at most `maxIdle` buffers more.
 */
export class ReadBufferPool {
  private readonly idle: Buffer[] = [];

  constructor(private readonly maxIdle: number) {}

  /** A buffer of at least `bytes` (its contents are whatever the last user left). */
  take(bytes: number): Buffer {
    const at = this.idle.findIndex((buffer) => buffer.length >= bytes);
    if (at >= 0) return this.idle.splice(at, 1)[0] as Buffer;
    return Buffer.allocUnsafeSlow(bytes);
  }

  /** Hands a buffer back; the caller must hold no reference to it, nor have a read into it in flight. */
  give(buffer: Buffer): void {
    if (this.idle.length < this.maxIdle) this.idle.push(buffer);
  }
}
