import { type IncomingMessage, type ServerOptions, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';

/**
 * What Node's HTTP server answers by itself, before or outside the app's routes (a request the parser cannot
 * read, headers that arrive too slowly, no Host, an unknown Expect, CONNECT), answered by the app's own error
 * answer instead: the frontend's HTML page with its security headers, the API's JSON.
 */

/** A problem found at the edge: its status and a one-line message for the client. */
export interface EdgeError {
  status: number;
  message: string;
}

/** An error answer's headers (Content-Type included) and body. */
export interface ErrorAnswer {
  headers: Readonly<Record<string, string>>;
  body: string;
}

export type ErrorAnswerer = (error: EdgeError) => ErrorAnswer;

/** The methods both apps route; the Allow header of a 405. */
const ALLOWED_METHODS = 'GET, HEAD, POST';
/** A rejected connection whose client reads nothing is destroyed after this long. */
const LINGER_MS = 5000;
/**
 * An answer given before its request's body has all arrived closes the connection, but not at once: closing a
 * socket with unread data makes the kernel reset the connection, and a client still sending loses the answer
 * with it. The rest of the body is read and dropped for at most this many bytes and this long first.
 */
const LINGER_MAX_BYTES = 8 * 1024 * 1024;
const LINGER_CHECK_MS = 100;
/** How often Node checks its header and request timers (its default, 30 s, would let a header timeout slip by up to that). */
const TIMER_CHECK_INTERVAL_MS = 1000;

const MISSING_HOST: EdgeError = { status: 400, message: 'The request has no Host header' };
const EXPECTATION_FAILED: EdgeError = {
  status: 417,
  message: 'Expect is not supported (only 100-continue)',
};
const CONNECT_NOT_ALLOWED: EdgeError = { status: 405, message: 'Method not allowed' };

/** The edge error for an error of Node's HTTP parser (or its header / request timers). */
export function parserEdgeError(code: string | undefined): EdgeError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'Request headers are too large' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'Request is too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'The request did not arrive in time' };
    default:
      return { status: 400, message: 'Bad request' };
  }
}

/** A whole HTTP/1.1 response that closes the connection, for sockets no ServerResponse owns. */
export function rawResponse(status: number, answer: ErrorAnswer, extra: Record<string, string> = {}): string {
  const headers = {
    ...answer.headers,
    ...extra,
    'Content-Length': String(Buffer.byteLength(answer.body)),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}\r\n${answer.body}`;
}

/** Writes the answer, then closes the socket once it has gone out (or after a grace, if the client reads nothing). */
function answerAndClose(socket: Duplex, response: string): void {
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
  socket.end(response, () => socket.destroy());
}

/** Whether a response on this connection has already started: then nothing more can be written on it. */
function responseStarted(socket: Socket): boolean {
  const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  return current?.headersSent === true;
}

/**
 * Fastify constructor options for the edge: parser errors answered by the app's error answer, the Host check
 * moved into the app (see registerEdgeAnswers), and timers checked every second so the header timeout is
 * kept to the second (Node checks every 30 s by default).
 */
export function edgeServerOptions(
  answer: ErrorAnswerer,
  logger: FastifyBaseLogger,
): Pick<FastifyServerOptions, 'clientErrorHandler'> & { http: ServerOptions } {
  return {
    http: { requireHostHeader: false, connectionsCheckingInterval: TIMER_CHECK_INTERVAL_MS },
    clientErrorHandler: (error, socket) => {
      const code = (error as { code?: string }).code;
      // A streamed upload is held to its own pace rule instead of the time to receive the whole request.
      if (code === 'ERR_HTTP_REQUEST_TIMEOUT' && receiveTimeoutExempt.has(socket)) return;
      if (code === 'ECONNRESET' || socket.destroyed || !socket.writable || responseStarted(socket)) {
        socket.destroy();
        return;
      }
      const edgeError = parserEdgeError(code);
      // The code only: the error also carries the raw bytes received, which can hold a key.
      logger.info(
        { event: 'client_error', code, status: edgeError.status },
        'answered a request the HTTP parser rejected',
      );
      answerAndClose(socket, rawResponse(edgeError.status, answer(edgeError)));
    },
  };
}

const expectationFailed = new WeakSet<IncomingMessage>();
const receiveTimeoutExempt = new WeakSet<Duplex>();

function announcesBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Exempts this request from the server's time to receive a whole request (`server.requestTimeout`), until its
 * response has gone: for a body that may take longer under a rule of the app's own (a streamed upload's pace).
 */
export function exemptFromReceiveTimeout(request: IncomingMessage, response: ServerResponse): void {
  const socket = request.socket;
  receiveTimeoutExempt.add(socket);
  const end = () => receiveTimeoutExempt.delete(socket);
  response.once('finish', end);
  response.once('close', end);
}

/**
 * Makes the connection close after this answer without losing it: Node ends a `Connection: close` response with
 * `socket.destroySoon()`, which destroys the socket as soon as the answer is written. Instead, the sending side
 * is shut (the client sees the end of the answer) and what the client still sends is read and dropped, up to
 * LINGER_MAX_BYTES and LINGER_MS, before the socket is destroyed.
 */
function lingerAfterAnswer(request: IncomingMessage): void {
  const socket = request.socket as Socket & { destroySoon?: () => void };
  if (!socket || socket.destroyed) return;
  socket.destroySoon = () => {
    const startBytes = socket.bytesRead;
    const close = () => {
      clearInterval(watch);
      clearTimeout(limit);
      socket.destroy();
    };
    const watch = setInterval(() => {
      if (socket.bytesRead - startBytes > LINGER_MAX_BYTES) close();
    }, LINGER_CHECK_MS);
    const limit = setTimeout(close, LINGER_MS);
    watch.unref();
    limit.unref();
    socket.once('end', close);
    socket.once('close', close);
    socket.on('error', close);
    if (socket.writable) socket.end();
    request.resume();
  };
}

/**
 * Hooks the rest of the edge into a built app (after its request context, so these answers are traced and
 * logged like any other): a missing Host (HTTP/1.1) and an Expect other than 100-continue go through the app
 * and get its error answer; CONNECT gets a 405; a client that half-closes after sending still gets its answer.
 */
export function registerEdgeAnswers(app: FastifyInstance, answer: ErrorAnswerer): void {
  const server = app.server;
  // Node ends the connection as soon as the client half-closes (shuts down its sending side), before a slow
  // handler could answer. HTTP lets a client stop sending once its request is out: keep the connection
  // writable, and close it after the last response.
  (server as typeof server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  // Without this listener Node answers an unknown Expect with a bare 417; let the app answer it instead.
  server.on('checkExpectation', (request, response) => {
    expectationFailed.add(request);
    server.emit('request', request, response);
  });

  // Without this listener Node closes a CONNECT's connection without a word.
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    answerAndClose(
      socket,
      rawResponse(CONNECT_NOT_ALLOWED.status, answer(CONNECT_NOT_ALLOWED), { Allow: ALLOWED_METHODS }),
    );
  });

  // An answer that goes before the body has all arrived: the connection closes (the rest of a large body is not
  // worth reading to keep it), after a bounded linger so the answer reaches a client that is still sending.
  // Callback hooks, not async ones: these run on every request and rarely do anything, so not a promise each.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (!request.raw.complete && announcesBody(request.raw)) {
      reply.header('connection', 'close');
      lingerAfterAnswer(request.raw);
    }
    done(null, payload);
  });

  app.addHook('onRequest', (request, reply, done) => {
    const problem = expectationFailed.has(request.raw)
      ? EXPECTATION_FAILED
      : request.raw.httpVersion === '1.1' && request.headers.host === undefined
        ? MISSING_HOST
        : undefined;
    if (!problem) {
      done();
      return;
    }
    const { headers, body } = answer(problem);
    // The body (if any) is not read: the connection cannot be reused. Answered, so `done` is not called.
    reply.code(problem.status).headers(headers).header('connection', 'close').send(body);
  });
}
