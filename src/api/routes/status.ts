import type { FastifyInstance, FastifyReply } from 'fastify';
import { PAGE_CACHE_CONTROL } from '../../common/security-headers.js';

/** `GET /_status` and `GET /services/_status`: the API is up (it checks nothing behind it, as Notify's). */
export async function statusRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (_request: unknown, reply: FastifyReply) => {
    reply.header('Cache-Control', PAGE_CACHE_CONTROL);
    return { status: 'ok' };
  };
  app.get('/services/_status', handler);
  app.get('/_status', handler);
}
