import type { FastifyInstance } from 'fastify';
import { PAGE_CACHE_CONTROL } from '../../common/security-headers.js';
import type { ClamdClient } from '../clamd.js';

export const STATUS_ROUTE = '/_status';

/**
 * `GET /_status`: whether clamd answers PING, and its VERSION (engine, and the signature database version and
 * date when it has the official ones). 200 when it answers, 503 when it does not.
 */
export async function statusRoutes(app: FastifyInstance, options: { clamd: ClamdClient }): Promise<void> {
  app.get(STATUS_ROUTE, { logLevel: 'warn' }, async (request, reply) => {
    reply.header('Cache-Control', PAGE_CACHE_CONTROL);
    try {
      await options.clamd.ping(request.deadline);
      const version = await options.clamd.version(request.deadline);
      return { status: 'ok', clamd: 'PONG', version };
    } catch (error) {
      request.log.error({ reason: (error as Error).message }, 'status: clamd does not answer');
      return reply.code(503).send({ status: 'error', clamd: 'unreachable' });
    }
  });
}
