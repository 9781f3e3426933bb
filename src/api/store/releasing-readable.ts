import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/*
 * A download's plaintext is a new buffer per chunk (node:crypto cannot decrypt into a given buffer), and left to
 * the garbage collector that memory is the dearest part of a download: the kernel faults in and zeroes fresh pages
 * for every chunk, and the megabytes waiting for collection drive V8's full collections. Freeing each buffer the
 * moment the socket has taken its bytes (detaching its ArrayBuffer frees the memory at once, and the allocator
 * hands the same pages to the next chunk) measured ~4 times cheaper per MiB under Node 24.
 */

/** ES2024's ArrayBuffer.prototype.transfer (Node 21 and later; the compiler's library here is ES2023). */
const transfer = (ArrayBuffer.prototype as { transfer?: (this: ArrayBuffer, length: number) => ArrayBuffer })
  .transfer;

/** Frees an ArrayBuffer's memory now; every view of it becomes empty. */
const detach: (memory: ArrayBuffer) => void = transfer
  ? (memory) => transfer.call(memory, 0)
  : // Node 20 has no transfer(): structuredClone detaches the same way (the memory then waits for the collector).
    (memory) => structuredClone(memory, { transfer: [memory] });

/**
 * glibc's malloc maps every block over its mmap threshold (128 KiB at start) on its own, and gives a freed heap top
 * over its trim threshold back to the kernel: chunks of 256 KiB freed as soon as written would then be mapped, faulted
 * in and zeroed afresh each time (measured: twice the CPU of leaving them to the collector). Freeing one mapped block
 * raises both thresholds, the mmap threshold to the block's size and the trim threshold to twice that (mallopt(3),
 * "dynamic mmap threshold"), as the first large request body does in a process that has served one. Other
 * allocators ignore it.
 */
const ALLOCATOR_PRIMING_BYTES = 2 * 1024 * 1024;
let allocatorPrimed = false;

function primeAllocator(): void {
  if (allocatorPrimed) return;
  allocatorPrimed = true;
  if (transfer) detach(Buffer.allocUnsafeSlow(ALLOCATOR_PRIMING_BYTES).buffer as ArrayBuffer);
}

/**
 * A stream of buffers that it alone holds. Piped into an HTTP response, it writes each buffer itself and frees the
 * buffer's memory once the response has handed its bytes to the socket (the write's callback); piped anywhere else
 * (a transform may pass the same buffer on), or read any other way, it is an ordinary Readable and frees nothing.
 */
export class ReleasingReadable extends Readable {
  /** Memory pushed whole by this stream, not yet freed. */
  private readonly owned = new WeakSet<ArrayBuffer>();

  /**
   * Pushes `piece`, a view of `whole`; `whole` is freed after writing only when it is the entire ArrayBuffer (a
   * buffer sliced from Node's shared pool never is) and the caller keeps no other view of it.
   */
  pushOwned(piece: Buffer, whole: Buffer): boolean {
    const memory = whole.buffer;
    if (memory instanceof ArrayBuffer && whole.byteOffset === 0 && whole.length === memory.byteLength) {
      this.owned.add(memory);
    }
    return this.push(piece);
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T {
    if (!(destination instanceof ServerResponse)) return super.pipe(destination, options);
    primeAllocator();
    writeReleasing(this, destination, options?.end !== false);
    return destination;
  }

  /** Frees the memory under `chunk` if this stream pushed it whole. */
  release(chunk: Buffer): void {
    const memory = chunk.buffer;
    if (memory instanceof ArrayBuffer && this.owned.delete(memory)) detach(memory);
  }
}

/**
 * What `pipe` does for one HTTP response (backpressure by 'drain', end at the end), with a callback on each write.
 * A write's callback runs once the socket no longer reads the buffer: the kernel has its bytes, or the write was
 * dropped (a destroyed response), never while libuv still writes from it.
 */
function writeReleasing(source: ReleasingReadable, response: ServerResponse, end: boolean): void {
  const onData = (chunk: Buffer) => {
    if (!response.write(chunk, () => source.release(chunk))) source.pause();
  };
  const onDrain = () => source.resume();
  const onEnd = () => {
    stop();
    if (end) response.end();
  };
  const stop = () => {
    source.off('data', onData);
    source.off('end', onEnd);
    response.off('drain', onDrain);
    response.off('close', stop);
  };
  source.on('data', onData);
  source.once('end', onEnd);
  response.on('drain', onDrain);
  // The owner of both (Fastify) destroys the source when the response closes early, and the response when the
  // source fails.
  response.once('close', stop);
  response.emit('pipe', source);
}
