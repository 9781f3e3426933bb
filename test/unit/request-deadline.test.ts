// `request.deadline` is made by the request context's onRequest hook; an error handler may read it for a request
// that failed before that hook ran, and must get a signal, not a TypeError.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerRequestContext, requestContextServerOptions } from '../../src/common/request-context.js';

describe('request deadline', () => {
  it('is a signal that never aborts for a request that failed before the request context saw it', async () => {
    const app = Fastify({ ...requestContextServerOptions() });
    app.addHook('onRequest', async (request) => {
      if (request.url === '/fails-early') throw new Error('failed before the request context');
    });
    registerRequestContext(app, { timeoutMs: 30_000, onTimeout: () => undefined, healthCheckRoutes: [] });
    let seen: boolean | string = 'not read';
    app.setErrorHandler((error, request, reply) => {
      try {
        seen = request.deadline.aborted;
      } catch (readError) {
        seen = String(readError);
      }
      return reply.code(500).send({ message: (error as Error).message });
    });
    app.get('/fails-early', async () => 'unreachable');
    const answer = await app.inject({ url: '/fails-early' });
    expect(answer.statusCode).toBe(500);
    expect(seen).toBe(false);
    await app.close();
  });
});
