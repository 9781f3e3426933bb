import type { FastifyInstance, FastifyReply } from 'fastify';
import { documentApiStatusRoutes } from '../../common/routes.js';
import { PAGE_CACHE_CONTROL } from '../../common/security-headers.js';

/** `GET` either status route: the API is up (it checks nothing behind it, as Notify's). */
export async function statusRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (_request: unknown, reply: FastifyReply) => {
    reply.header('Cache-Control', PAGE_CACHE_CONTROL);
    return { status: 'ok' };
  };
  for (const route of documentApiStatusRoutes) app.get(route, handler);
}
