import type { FastifyInstance } from 'fastify';
import { urls } from '../urls.js';

/** `/_status`: the frontend is up (it checks nothing behind it, as Notify's does not). */
export async function statusRoute(app: FastifyInstance): Promise<void> {
  app.get(urls.status, async (_request, reply) => reply.send({ status: 'ok' }));
}
