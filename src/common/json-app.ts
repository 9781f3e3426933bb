import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyServerOptions,
} from 'fastify';
import type { Logger } from './logging.js';
import { registerRequestContext, requestContextServerOptions } from './request-context.js';

/**
 * The Fastify options of an app that answers JSON (the document API, the antivirus API): the shared logger
 * with the trace id as request id and no Fastify request lines (their URLs hold keys), 503 while closing, and
 * a 400 `{"error": …}` for a request Fastify cannot route (a malformed URL, say) with the app's message for it.
 */
export function jsonServerOptions(
  logger: Logger,
  frameworkErrorMessage: (error: FastifyError) => string,
): FastifyServerOptions {
  return {
    loggerInstance: logger as FastifyBaseLogger,
    ...requestContextServerOptions(),
    return503OnClosing: true,
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).send({ error: frameworkErrorMessage(error) });
    },
  };
}

/**
 * What every JSON app does per request: trace ids, the request deadline (504 `{"error": "Request timed out"}`
 * when no answer has started by then; a download already streaming is not cut), one redacted access-log line,
 * `X-Content-Type-Options: nosniff` on every answer, and 404 `{"error": "Not found"}` outside the routes.
 */
export function setUpJsonRequests(
  app: FastifyInstance,
  options: { timeoutMs: number; healthCheckRoutes: readonly string[] },
): void {
  registerRequestContext(app, {
    timeoutMs: options.timeoutMs,
    healthCheckRoutes: options.healthCheckRoutes,
    onTimeout: (_request, reply) => {
      void reply.code(504).send({ error: 'Request timed out' });
    },
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ error: 'Not found' });
  });
}
