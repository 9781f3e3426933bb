import type { FastifyInstance } from 'fastify';

export async function statusRoutes(app: FastifyInstance): Promise<void> {
  const handler = async (_request: unknown, reply: { header(name: string, value: string): unknown }) => {
    reply.header('Cache-Control', 'no-store, no-cache, private, must-revalidate');
    return { status: 'ok' };
  };
  app.get('/services/_status', handler);
  app.get('/_status', handler);
}
