import type { FastifyInstance } from 'fastify';
import description from '../openapi.json' with { type: 'json' };

/** `GET /openapi.json`: the OpenAPI 3.1 description of this API (src/api/openapi.json), for integrators. */
export async function openApiRoute(app: FastifyInstance): Promise<void> {
  const body = JSON.stringify(description);
  app.get('/openapi.json', async (_request, reply) =>
    reply.header('Cache-Control', 'public, max-age=3600').type('application/json; charset=utf-8').send(body),
  );
}
