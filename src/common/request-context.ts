import type { IncomingMessage } from 'node:http';
import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { loggablePath, loggableQueryNames } from './redact.js';
import { responseTraceHeaders, type Trace, traceFromHeaders } from './tracing.js';

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

interface RequestState {
  controller: AbortController;
  timer?: NodeJS.Timeout;
  started: bigint;
  /** Starts the fixed deadline's timer (again), from now. */
  arm(): void;
}

const states = new WeakMap<FastifyRequest, RequestState>();
const tracesByRawRequest = new WeakMap<IncomingMessage, Trace>();

/**
 * Fastify options that make the B3 trace id the request id, so Fastify's own per-request logger carries it
 * as `traceId` on every line (no second child logger per request).
 */
export function requestContextServerOptions(): {
  genReqId: (raw: IncomingMessage) => string;
  logController: LogController;
} {
  return {
    genReqId: (raw) => {
      const trace = traceFromHeaders(raw.headers);
      tracesByRawRequest.set(raw, trace);
      return trace.traceId;
    },
    // One redacted access-log line per request comes from registerRequestContext instead of Fastify's own.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'traceId' }),
  };
}

/**
 * What every request of both apps gets: B3 trace ids (echoed on the response and put on every log line),
 * a deadline that aborts its upstream work, and one redacted access-log line when it ends.
 */
export function registerRequestContext(app: FastifyInstance, options: RequestContextOptions): void {
  const healthCheckRoutes: ReadonlySet<string> = new Set(options.healthCheckRoutes);
  app.decorateRequest('trace', undefined as unknown as Trace);
  app.decorateRequest('deadline', undefined as unknown as AbortSignal);

  app.addHook('onRequest', (request, reply, done) => {
    const trace = tracesByRawRequest.get(request.raw) ?? traceFromHeaders(request.headers);
    request.trace = trace;
    reply.headers(responseTraceHeaders(trace));

    const controller = new AbortController();
    const state: RequestState = {
      controller,
      started: process.hrtime.bigint(),
      arm() {
        clearTimeout(state.timer);
        state.timer = setTimeout(() => {
          controller.abort(new DeadlineExceededError(`no answer within ${options.timeoutMs} ms`));
          if (!reply.sent) {
            request.log.warn({ timeoutMs: options.timeoutMs }, 'request deadline exceeded');
            // A client still sending its body would otherwise keep the connection while Node reads the rest.
            reply.header('connection', 'close');
            options.onTimeout(request, reply);
          }
        }, options.timeoutMs);
      },
    };
    state.arm();
    states.set(request, state);
    request.deadline = controller.signal;
    done();
  });

  app.addHook('onRequestAbort', (request, done) => {
    const state = states.get(request);
    if (state) {
      clearTimeout(state.timer);
      state.controller.abort(new Error('client closed the connection'));
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const state = states.get(request);
    clearTimeout(state?.timer);
    const durationMs = state ? Number(process.hrtime.bigint() - state.started) / 1e6 : undefined;
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
        ...(query.length > 0 ? { query } : {}),
        status: reply.statusCode,
        durationMs: durationMs === undefined ? undefined : Math.round(durationMs * 10) / 10,
      },
      // The route pattern (no ids, no query) when there is one.
      `${request.method} ${route ?? path} ${reply.statusCode}`,
    );
    done();
  });
}

/**
 * Lifts the fixed deadline while a long body is read under a rule of its own (a streamed upload's pace); the
 * request's `deadline` signal still aborts when its client goes away.
 */
export function suspendRequestDeadline(request: FastifyRequest): void {
  clearTimeout(states.get(request)?.timer);
}

/** Gives the request the fixed deadline again, counted from now (for the work left once its body is read). */
export function restartRequestDeadline(request: FastifyRequest): void {
  states.get(request)?.arm();
}
