import type { FastifyInstance, FastifyReply } from 'fastify';

/** `GET /_status` and `GET /services/_status`: the API is up (it checks nothing behind it, as Notify's). */
export async function statusRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (_request: unknown, reply: FastifyReply) => {
    reply.header('Cache-Control', 'no-store, no-cache, private, must-revalidate');
    return { status: 'ok' };
  };
  app.get('/services/_status', handler);
  app.get('/_status', handler);
}
