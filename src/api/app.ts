import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
} from 'fastify';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import type { Logger } from '../common/logging.js';
import { registerServiceDirectoryRoutes, type ServiceDirectoryOptions } from '../directory/routes.js';
import { ServicesFile } from '../directory/services-file.js';
import { edgeServerOptions, type ErrorAnswerer, registerEdgeAnswers } from '../common/http-edge.js';
import { registerRequestContext, requestContextServerOptions } from '../common/request-context.js';
import { AntivirusClient, type AntivirusScanner } from './checks/antivirus.js';
import {
  MemoryCheckResultCache,
  RedisCheckResultCache,
  type CheckResultCache,
} from './checks/result-cache.js';
import type { ApiConfig } from './config.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { FileRateLimiter } from './limits/file-limiter.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { RedisRateLimiter } from './limits/redis-limiter.js';
import { firstConnection, openRedis } from './redis.js';
import { authenticateRoute } from './routes/authenticate.js';
import { checkRoute } from './routes/check.js';
import { downloadRoute } from './routes/download.js';
import { fileCheckRoute } from './routes/file-check.js';
import { statusRoutes } from './routes/status.js';
import { uploadRoute } from './routes/upload.js';
import type { DocumentStore } from './store/document-store.js';
import { LocalDocumentStore } from './store/local-store.js';

export interface ApiDeps {
  logger: Logger;
  /** Defaults to the local encrypted store in `{DATA_DIR}/documents` (an S3 store is passed in by the caller). */
  store?: DocumentStore;
  /** Defaults to Redis when enabled, else the file-based limiter in `{DATA_DIR}/rate-limits`. */
  rateLimiter?: RateLimiter;
  checkCache?: CheckResultCache;
  /** `null` turns antivirus off whatever the config says; defaults to the configured client. */
  antivirus?: AntivirusScanner | null;
  /** A Redis connection to use instead of opening one from REDIS_URL. */
  redis?: Redis;
  now?: () => Date;
  /** Plugins registered before the routes (the server runtime's metrics, say); the app is ready on return. */
  plugins?: FastifyPluginAsync[];
  /** Serve GOV.UK Notify's `GET /service/{id}` from a services file (the embedded service directory). */
  serviceDirectory?: ServiceDirectoryOptions;
}

const FASTIFY_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_INVALID_TYPE: 'Invalid Content-Type header',
  FST_ERR_CTP_EMPTY_TYPE: 'Invalid Content-Type header',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_ASYNC_CONSTRAINT: 'Bad request',
};

const jsonErrorAnswer: ErrorAnswerer = ({ message }) => ({
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  body: JSON.stringify({ error: message }),
});

/** The message a client gets for an error: ours as written, Fastify's as fixed text, nothing internal. */
function clientMessage(error: FastifyError, status: number): string {
  const known = error.code ? FASTIFY_ERROR_MESSAGES[error.code] : undefined;
  if (known) return known;
  if (error instanceof SyntaxError || error.code === undefined) {
    // JSON parse errors quote the body; never reflect it.
    return status === 400 ? 'Request body is not valid JSON' : 'Bad request';
  }
  return status === 404 ? 'Not found' : 'Bad request';
}

/**
 * The document API as a ready, not-listening Fastify app. The caller (the server runtime, or a test) listens
 * and closes it; closing releases what this function opened (Redis).
 */
export async function buildApi(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const { logger } = deps;
  const ownedRedis = !deps.redis && config.redis.enabled && (!deps.rateLimiter || !deps.checkCache);
  const redis = deps.redis ?? (ownedRedis ? openRedis(config.redis.url, logger) : undefined);
  if (ownedRedis && redis) await firstConnection(redis);

  const serviceDirectory: ServiceDirectoryOptions | undefined =
    deps.serviceDirectory ??
    (config.serviceDirectory
      ? {
          services: new ServicesFile(config.serviceDirectory.servicesFile),
          adminClientSecret: config.serviceDirectory.adminClientSecret,
        }
      : undefined);
  const rateLimit = { limit: config.rateLimit.limit, intervalSeconds: config.rateLimit.intervalSeconds };
  const ctx: ApiContext = {
    config,
    logger,
    store: deps.store ?? new LocalDocumentStore({ root: join(config.store.dataDir, 'documents') }),
    rateLimiter:
      deps.rateLimiter ??
      (redis && config.redis.enabled
        ? new RedisRateLimiter(redis, rateLimit)
        : new FileRateLimiter(join(config.store.dataDir, 'rate-limits'), rateLimit)),
    checks: {
      antivirus:
        deps.antivirus === null
          ? undefined
          : (deps.antivirus ??
            (config.antivirus.enabled ? new AntivirusClient(config.antivirus) : undefined)),
      cache:
        deps.checkCache ??
        (redis && config.redis.enabled ? new RedisCheckResultCache(redis) : new MemoryCheckResultCache()),
    },
    now: deps.now ?? (() => new Date()),
    ...(serviceDirectory
      ? { serviceForToken: (token: string) => serviceDirectory.services.serviceForToken(token)?.id }
      : {}),
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // The trace id as the request id on every log line; no Fastify request lines (their URLs hold keys).
    ...requestContextServerOptions(),
    bodyLimit: config.limits.maxContentLength,
    routerOptions: { maxParamLength: 200 },
    return503OnClosing: true,
    // Requests answered before or outside routing (parser errors, no Host, CONNECT...) get a JSON answer too.
    ...edgeServerOptions(jsonErrorAnswer, logger),
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).send({ error: clientMessage(error, 400) });
    },
  });

  // JSON only: a body of any other type is a 415.
  app.removeContentTypeParser(['text/plain']);
  // Trace ids, the request deadline (504 when no answer has started by then; a download already streaming is
  // not cut) and one redacted access-log line per request.
  registerRequestContext(app, {
    timeoutMs: config.requestTimeoutMs,
    onTimeout: (_request, reply) => {
      void reply.code(504).send({ error: 'Request timed out' });
    },
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
  });
  registerEdgeAnswers(app, jsonErrorAnswer);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (reply.sent) return reply;
    if (error instanceof ApiError) {
      return reply.code(error.statusCode).headers(error.headers).send({ error: error.message });
    }
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (status >= 500) {
      // The logger's `err` serializer keeps the message, code and stack; handing it an already serialized
      // object would make it log "[object Object]".
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(status)
        .send({ error: status === 503 ? 'Service unavailable' : 'Internal server error' });
    }
    return reply.code(status).send({ error: clientMessage(error, status) });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply.code(404).send({ error: 'Not found' });
  });

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(statusRoutes);
  await app.register(uploadRoute, ctx);
  await app.register(fileCheckRoute, ctx);
  await app.register(checkRoute, ctx);
  await app.register(authenticateRoute, ctx);
  await app.register(downloadRoute, ctx);
  if (serviceDirectory) registerServiceDirectoryRoutes(app, serviceDirectory);

  app.addHook('onClose', async () => {
    await ctx.rateLimiter.close?.();
    if (ownedRedis && redis) {
      // QUIT politely when connected (bounded), then drop the connection: a Redis that is down would otherwise
      // keep the close waiting on reconnection attempts forever.
      if (redis.status === 'ready') {
        await Promise.race([
          redis.quit().catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 1000).unref()),
        ]);
      }
      redis.disconnect();
    }
  });

  await app.ready();
  return app;
}
