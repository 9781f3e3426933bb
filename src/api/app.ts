import Fastify, { type FastifyInstance } from 'fastify';
import { serviceDirectoryRoutes } from '../directory/routes.js';
import { edgeServerOptions } from '../common/http-edge.js';
import { jsonServerOptions, setUpJsonRequests } from '../common/json-app.js';
import { documentApiStatusRoutes } from '../common/routes.js';
import type { ApiConfig } from './config.js';
import { buildApiContext, needsRedis, serviceDirectoryOptions, type ApiDeps } from './context.js';
import { clientMessage, jsonErrorAnswer, setUpJsonErrors } from './error-handler.js';
import { apiRedis } from './redis.js';
import { authenticateRoute } from './routes/authenticate.js';
import { checkRoute } from './routes/check.js';
import { downloadRoute } from './routes/download.js';
import { antivirusAndMimetypeCheckRoute } from './routes/antivirus-and-mimetype-check.js';
import { openApiRoute } from './routes/openapi.js';
import { statusRoutes } from './routes/status.js';
import { uploadRoute } from './routes/upload.js';

export type { ApiDeps } from './context.js';

/**
 * The document API as a ready, not-listening Fastify app. The caller (the server runtime, or a test) listens
 * and closes it; closing releases what this function opened (Redis).
 */
export async function buildApi(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const { logger } = deps;
  const redis = await apiRedis(config.redis, {
    redis: deps.redis,
    needsConnection: needsRedis(deps),
    logger,
  });
  const serviceDirectory = serviceDirectoryOptions(config, deps);
  const ctx = await buildApiContext(config, deps, redis.connection, serviceDirectory);

  const app = Fastify({
    ...jsonServerOptions(logger, (error) => clientMessage(error, 400)),
    bodyLimit: config.limits.maxContentLength,
    routerOptions: { maxParamLength: 200 },
    ...edgeServerOptions(jsonErrorAnswer, logger),
  });

  // JSON only: a body of any other type is a 415.
  app.removeContentTypeParser(['text/plain']);
  setUpJsonRequests(app, {
    timeoutMs: config.requestTimeoutMs,
    healthCheckRoutes: documentApiStatusRoutes,
  });
  setUpJsonErrors(app);

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(statusRoutes);
  await app.register(openApiRoute);
  await app.register(uploadRoute, ctx);
  await app.register(antivirusAndMimetypeCheckRoute, ctx);
  await app.register(checkRoute, ctx);
  await app.register(authenticateRoute, ctx);
  await app.register(downloadRoute, ctx);
  if (serviceDirectory) await app.register(serviceDirectoryRoutes, serviceDirectory);

  app.addHook('onClose', async () => {
    await ctx.rateLimiter.close?.();
    await redis.close();
  });

  await app.ready();
  return app;
}
