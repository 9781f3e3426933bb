import type { IncomingMessage } from 'node:http';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { loggablePath, loggableQueryNames } from './redact.js';
import { DeadlineQueue, type DeadlineEntry } from './deadline-queue.js';
import { SPAN_ID_HEADER, TRACE_ID_HEADER, type Trace, traceFromHeaders } from './tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    trace: Trace;
    /** Aborted when the request's deadline passes or its client goes away. */
    deadline: AbortSignal;
  }
}

export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

export interface RequestContextOptions {
  /** Per-request deadline. */
  timeoutMs: number;
  /** Answers a request whose deadline passed before its handler did (e.g. the 504 page). */
  onTimeout: (request: FastifyRequest, reply: FastifyReply) => void;
  /** The app's status routes: load balancers ask every few seconds, so a healthy answer is logged at debug. */
  healthCheckRoutes: readonly string[];
}

/**
 * What an HTTP client needs to stop a call when its request is given up: whether and why, and an 'abort'
 * listener. undici takes this EventEmitter-shaped signal as well as an AbortSignal; it spares each request an
 * AbortController and the EventTarget listeners undici would add to and remove from it for every call.
 */
export interface AbortNotifier {
  readonly aborted: boolean;
  readonly reason: unknown;
  on(event: 'abort', listener: () => void): unknown;
  once(event: 'abort', listener: () => void): unknown;
  removeListener(event: 'abort', listener: () => void): unknown;
}

/**
 * A request's deadline, its abort notifier and its abort signal. The signal (an AbortController's) is made the
 * first time someone asks for it; the notifier is the state itself.
 */
class RequestState implements DeadlineEntry, AbortNotifier {
  due = 0;
  previous: RequestState | undefined = undefined;
  next: RequestState | undefined = undefined;
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined = undefined;
  private listeners: (() => void)[] | undefined = undefined;

  constructor(
    readonly request: FastifyRequest,
    readonly reply: FastifyReply,
    readonly deadlines: DeadlineQueue<RequestState>,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  on(_event: 'abort', listener: () => void): this {
    (this.listeners ??= []).push(listener);
    return this;
  }

  // Abort happens once: every listener is a once listener.
  once(event: 'abort', listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    const index = this.listeners ? this.listeners.indexOf(listener) : -1;
    if (index !== -1) this.listeners?.splice(index, 1);
    return this;
  }
}

/** The notifier of a request no deadline or client departure can abort. */
const NEVER_ABORTS: AbortNotifier = Object.freeze({
  aborted: false,
  reason: undefined,
  on: () => NEVER_ABORTS,
  once: () => NEVER_ABORTS,
  removeListener: () => NEVER_ABORTS,
});

const STATE = Symbol('request context');
const NEVER_ABORTED = new AbortController().signal;
const TRACE = Symbol('trace');
type TracedRequest = IncomingMessage & { [TRACE]?: Trace };

/**
 * Fastify options that make the B3 trace id the request id, so Fastify's own per-request logger carries it
 * as `traceId` on every line (no second child logger per request).
 */
export function requestContextServerOptions(): {
  genReqId: (raw: IncomingMessage) => string;
  logController: LogController;
} {
  return {
    genReqId: (raw: TracedRequest) => {
      const trace = traceFromHeaders(raw.headers);
      raw[TRACE] = trace;
      return trace.traceId;
    },
    // One redacted access-log line per request comes from registerRequestContext instead of Fastify's own.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'traceId' }),
  };
}

function stateOf(request: FastifyRequest): RequestState | undefined {
  return (request as FastifyRequest & { [STATE]: RequestState | null })[STATE] ?? undefined;
}

function expire(state: RequestState, onTimeout: RequestContextOptions['onTimeout']): void {
  const { request, reply, deadlines } = state;
  state.abort(new DeadlineExceededError(`no answer within ${deadlines.timeoutMs} ms`));
  if (!reply.sent) {
    request.log.warn({ timeoutMs: deadlines.timeoutMs }, 'request deadline exceeded');
    // A client still sending its body would otherwise keep the connection while Node reads the rest.
    reply.header('connection', 'close');
    onTimeout(request, reply);
  }
}

/**
 * What every request of both apps gets: B3 trace ids (echoed on the response and put on every log line),
 * a deadline that aborts its upstream work, and one redacted access-log line when it ends.
 */
export function registerRequestContext(app: FastifyInstance, options: RequestContextOptions): void {
  const healthCheckRoutes: ReadonlySet<string> = new Set(options.healthCheckRoutes);
  // Every request has the same fixed deadline: one queue and one timer for them all.
  const deadlines = new DeadlineQueue<RequestState>(options.timeoutMs, (state) =>
    expire(state, options.onTimeout),
  );
  app.decorateRequest('trace', undefined as unknown as Trace);
  app.decorateRequest(STATE as unknown as string, null);
  app.decorateRequest('deadline', {
    getter(this: FastifyRequest) {
      // A request failed before this app's hooks ran (an error page for it, say) has no deadline to abort.
      return stateOf(this)?.signal ?? NEVER_ABORTED;
    },
  });

  app.addHook('onRequest', (request, reply, done) => {
    const trace = (request.raw as TracedRequest)[TRACE] ?? traceFromHeaders(request.headers);
    request.trace = trace;
    reply.header(TRACE_ID_HEADER, trace.traceId);
    reply.header(SPAN_ID_HEADER, trace.spanId);
    const state = new RequestState(request, reply, deadlines);
    (request as FastifyRequest & { [STATE]: RequestState })[STATE] = state;
    deadlines.set(state);
    done();
  });

  app.addHook('onRequestAbort', (request, done) => {
    const state = stateOf(request);
    if (state) {
      deadlines.cancel(state);
      state.abort(new Error('client closed the connection'));
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const state = stateOf(request);
    if (state) deadlines.cancel(state);
    // The request target itself is never logged: a key or an email can hide in it in too many spellings.
    const path = loggablePath(request.url);
    const query = loggableQueryNames(request.url);
    const route = request.routeOptions.url;
    // Load balancers ask for the status every few seconds: a healthy answer is debug, not an access line.
    const level = route && healthCheckRoutes.has(route) && reply.statusCode < 400 ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        path,
        query: query.length > 0 ? query : undefined,
        status: reply.statusCode,
        // From when Fastify took the request to when the last byte of the answer went out.
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      // The route pattern (no ids, no query) when there is one.
      `${request.method} ${route ?? path} ${reply.statusCode}`,
    );
    done();
  });
}

/**
 * The request's deadline and client departure as an AbortNotifier: what an upstream call is given, where the
 * AbortSignal `request.deadline` would cost a controller per request.
 */
export function abortNotifierOf(request: FastifyRequest): AbortNotifier {
  return stateOf(request) ?? NEVER_ABORTS;
}

/**
 * Lifts the fixed deadline while a long body is read under a rule of its own (a streamed upload's pace); the
 * request's `deadline` signal still aborts when its client goes away.
 */
export function suspendRequestDeadline(request: FastifyRequest): void {
  const state = stateOf(request);
  if (state) state.deadlines.cancel(state);
}

/** Gives the request the fixed deadline again, counted from now (for the work left once its body is read). */
export function restartRequestDeadline(request: FastifyRequest): void {
  const state = stateOf(request);
  if (state) state.deadlines.set(state);
}
