import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { ClamdAddress } from './config.js';

/**
 * clamd's own protocol (clamd(8)), on its Unix or TCP socket: one command per connection, sent in the
 * `z` form (`zCOMMAND\0`) so the reply ends with a NUL. INSTREAM takes the file as chunks, each a 4-byte
 * big-endian length then the bytes, and a zero length to end; clamd answers `stream: OK`,
 * `stream: <signature> FOUND` or an error such as `INSTREAM size limit exceeded. ERROR`.
 */

export type ScanVerdict = { clean: true } | { clean: false; signature: string };

export type ClamdFailure = 'unreachable' | 'timeout' | 'protocol' | 'scanner';

/** clamd could not give a verdict: not listening, too slow, or answered something else. */
export class ClamdError extends Error {
  override readonly name = 'ClamdError';
  constructor(
    message: string,
    readonly failure: ClamdFailure,
  ) {
    super(message);
  }
}

/** clamd refused the stream as longer than its StreamMaxLength. */
export class ClamdSizeLimitError extends Error {
  override readonly name = 'ClamdSizeLimitError';
}

export interface ClamdClientOptions {
  address: ClamdAddress;
  /**
   * How long an exchange may go without progress: connecting, then each chunk of a file written, then the
   * reply after the last one. A large file arriving slowly but steadily is not cut off; a clamd that stops
   * reading or answering is.
   */
  timeoutMs: number;
}

/** Longest reply taken from clamd; a verdict line is far shorter. */
const MAX_REPLY_BYTES = 4096;
/** Chunks from the caller larger than this are framed as several (clamd's reads are bounded). */
const MAX_FRAME_BYTES = 256 * 1024;
const END_OF_STREAM = Buffer.alloc(4);

export class ClamdClient {
  constructor(private readonly options: ClamdClientOptions) {}

  /** Resolves when clamd answers PING with PONG. */
  async ping(signal?: AbortSignal): Promise<void> {
    const reply = await this.exchange('PING', signal);
    if (reply !== 'PONG') throw new ClamdError(`clamd answered PING with "${reply}"`, 'protocol');
  }

  /** clamd's version and, when it has the official databases, their version and date. */
  async version(signal?: AbortSignal): Promise<string> {
    return this.exchange('VERSION', signal);
  }

  /**
   * Streams the file to clamd chunk by chunk (each written before the next is read, so one chunk at a time is
   * held) and returns its verdict. Aborting `signal` ends the exchange with its reason.
   */
  async scan(file: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ScanVerdict> {
    const reply = await this.exchange('INSTREAM', signal, async (socket, stop, progressed) => {
      const header = Buffer.alloc(4);
      for await (const chunk of file) {
        for (let start = 0; start < chunk.length; start += MAX_FRAME_BYTES) {
          const frame = chunk.subarray(start, start + MAX_FRAME_BYTES);
          if (stop.aborted) return;
          header.writeUInt32BE(frame.length);
          socket.write(Buffer.from(header));
          if (!socket.write(frame)) await once(socket, 'drain', { signal: stop });
          progressed();
        }
      }
      socket.write(END_OF_STREAM);
      progressed();
    });
    return parseScanReply(reply);
  }

  /**
   * One connection: sends `z{command}\0`, lets `send` write a body (calling `progressed` as it goes), and
   * reads the reply up to its NUL. A reply that comes while the body is still being written (clamd refusing
   * the stream) ends the writing.
   */
  private async exchange(
    command: string,
    signal: AbortSignal | undefined,
    send?: (socket: Socket, stop: AbortSignal, progressed: () => void) => Promise<void>,
  ): Promise<string> {
    const idle = new ProgressTimeout(this.options.timeoutMs);
    const timeout = idle.signal;
    const deadline = signal ? AbortSignal.any([signal, timeout]) : timeout;
    if (deadline.aborted) throw abortError(deadline, timeout);
    const stopWriting = new AbortController();
    const address = this.options.address;
    const socket = 'path' in address ? connect({ path: address.path }) : connect(address);
    let connected = false;
    socket.once('connect', () => (connected = true));

    const reply = new Promise<string>((resolve, reject) => {
      const received: Buffer[] = [];
      let length = 0;
      const finish = () => {
        stopWriting.abort();
        const text = Buffer.concat(received).toString('utf8');
        const nul = text.indexOf('\0');
        resolve((nul === -1 ? text : text.slice(0, nul)).trim());
      };
      socket.on('data', (data: Buffer) => {
        received.push(data);
        length += data.length;
        if (data.includes(0)) finish();
        else if (length > MAX_REPLY_BYTES) reject(new ClamdError('clamd reply too long', 'protocol'));
      });
      socket.on('end', finish);
      socket.on('error', (error: NodeJS.ErrnoException) => {
        stopWriting.abort();
        reject(
          connected
            ? new ClamdError(`clamd connection failed: ${error.code ?? error.message}`, 'protocol')
            : new ClamdError(`clamd is unreachable: ${error.code ?? error.message}`, 'unreachable'),
        );
      });
      socket.on('close', () => reject(new ClamdError('clamd closed the connection', 'protocol')));
    });
    reply.catch(() => undefined);

    const onAbort = () => {
      stopWriting.abort();
      socket.destroy();
    };
    deadline.addEventListener('abort', onAbort, { once: true });
    try {
      socket.write(`z${command}\0`);
      if (send) {
        const sending = send(socket, stopWriting.signal, () => idle.restart()).catch((error: unknown) => {
          // A write cut short by clamd's reply (or by its dropping the connection) is told by the reply.
          if (stopWriting.signal.aborted) return;
          throw error;
        });
        await Promise.race([sending, reply]);
      }
      return await reply;
    } catch (error) {
      if (deadline.aborted) throw abortError(deadline, timeout);
      throw error;
    } finally {
      idle.stop();
      deadline.removeEventListener('abort', onAbort);
      socket.destroy();
    }
  }
}

/** A signal that aborts once `timeoutMs` pass without a call to `restart`. */
class ProgressTimeout {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  readonly signal = this.controller.signal;

  constructor(private readonly timeoutMs: number) {
    this.restart();
  }

  restart(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

function abortError(deadline: AbortSignal, timeout: AbortSignal): unknown {
  if (timeout.aborted) return new ClamdError('clamd did not answer in time', 'timeout');
  return deadline.reason;
}

/** `stream: OK`, `stream: Eicar-Signature FOUND`, or an error line. */
export function parseScanReply(reply: string): ScanVerdict {
  const body = reply.replace(/^(?:\d+: )?stream: /, '');
  if (body === 'OK') return { clean: true };
  const found = /^(.+) FOUND$/.exec(body);
  if (found && reply !== body) return { clean: false, signature: found[1] as string };
  if (/size limit exceeded/i.test(reply)) throw new ClamdSizeLimitError(reply);
  throw new ClamdError(`clamd could not scan the file: ${reply || '(no reply)'}`, 'scanner');
}
