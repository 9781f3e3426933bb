import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonServerOptions, setUpJsonRequests } from '../common/json-app.js';
import { serializeError, type Logger } from '../common/logging.js';
import { ClamdClient } from './clamd.js';
import type { AntivirusConfig } from './config.js';
import { scanRoutes } from './routes/scan.js';
import { STATUS_ROUTE, statusRoutes } from './routes/status.js';
import { AntivirusHttpError } from './upload.js';

export interface AntivirusDeps {
  logger: Logger;
  /** Defaults to a client for the configured clamd socket. */
  clamd?: ClamdClient;
  /** Plugins registered before the routes (the server runtime's metrics, say). */
  plugins?: FastifyPluginAsync[];
}

/**
 * Notify's antivirus API (`POST /scan`, `GET /_status`) on ClamAV's clamd, as a ready, not-listening Fastify
 * app. Errors are JSON `{"error": "…"}`.
 */
export async function buildAntivirus(config: AntivirusConfig, deps: AntivirusDeps): Promise<FastifyInstance> {
  const clamd = deps.clamd ?? new ClamdClient(config.clamd);
  const app = Fastify(jsonServerOptions(deps.logger, () => 'Bad request'));

  // The body is read by the scan route itself, as a stream: no parser buffers it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  setUpJsonRequests(app, { timeoutMs: config.requestTimeoutMs, healthCheckRoutes: [STATUS_ROUTE] });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (reply.sent) return reply;
    if (error instanceof AntivirusHttpError)
      return reply.code(error.statusCode).send({ error: error.message });
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) request.log.error({ err: serializeError(error) }, 'request failed');
    return reply.code(status).send({ error: status === 500 ? 'Internal server error' : 'Bad request' });
  });

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await app.register(statusRoutes, { clamd });
  await app.register(scanRoutes, {
    apiKey: config.apiKey,
    maxFileSize: config.maxFileSize,
    scanner: clamd,
  });
  await app.ready();
  return app;
}
