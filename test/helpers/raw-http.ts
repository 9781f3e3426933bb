// Raw HTTP/1.1 over node:net, for what a fetch client cannot send: malformed requests, half-closes, pipelining.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every byte received, as latin1 text. */
  text: string;
  responses: RawResponse[];
  /** Whether the server closed the connection before the wait ended. */
  closed: boolean;
  /** Milliseconds from the first write to the close (or to the end of the wait). */
  heldMs: number;
}

export interface RawOptions {
  /** End our sending side after the last chunk (a half-close). */
  halfClose?: boolean;
  /** Pause between chunks. */
  gapMs?: number;
  /** How long to wait for the server to close the connection. */
  timeoutMs?: number;
}

/** Writes the chunks on one connection and collects everything the server sends until it closes. */
export function rawExchange(
  port: number,
  chunks: (string | Buffer)[],
  { halfClose = false, gapMs = 0, timeoutMs = 10_000 }: RawOptions = {},
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    const started = Date.now();
    let stopped = false;
    const finish = (closed: boolean) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(received).toString('latin1');
      resolve({ text, responses: parseResponses(text), closed, heldMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server answered still counts as a close; before anything arrived it is a failure.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return finish(true);
      if (!stopped) {
        stopped = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.once('connect', async () => {
      for (const [index, chunk] of chunks.entries()) {
        if (stopped || socket.destroyed) return;
        if (index > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (stopped || socket.destroyed) return;
        socket.write(chunk);
      }
      if (halfClose && !socket.destroyed) socket.end();
    });
  });
}

/** Splits a stream of HTTP/1.1 responses (Content-Length or chunked bodies; else the body runs to the end). */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split('\r\n');
    const status = Number(statusLine!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    rest = rest.slice(headEnd + 4);
    let body: string;
    if (status === 100) {
      body = '';
    } else if (headers['transfer-encoding']?.includes('chunked')) {
      body = '';
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd === -1) break;
        const size = parseInt(rest.slice(0, lineEnd), 16);
        rest = rest.slice(lineEnd + 2);
        if (!size) {
          rest = rest.slice(rest.indexOf('\r\n') + 2);
          break;
        }
        body += rest.slice(0, size);
        rest = rest.slice(size + 2);
      }
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      body = rest.slice(0, length);
      rest = rest.slice(length);
    } else {
      body = rest;
      rest = '';
    }
    responses.push({ status, headers, body: Buffer.from(body, 'latin1').toString('utf8') });
  }
  return responses;
}
