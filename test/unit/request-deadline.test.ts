// `request.deadline` is made by the request context's onRequest hook; an error handler may read it for a request
// that failed before that hook ran, and must get a signal, not a TypeError.
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  abortNotifierOf,
  DeadlineExceededError,
  registerRequestContext,
  requestContextServerOptions,
} from '../../src/common/request-context.js';

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

  it("tells the abort notifier's listeners once, with the reason already set, and the signal agrees", async () => {
    const app = Fastify({ ...requestContextServerOptions() });
    registerRequestContext(app, {
      timeoutMs: 50,
      onTimeout: (_request, reply) => void reply.code(504).send('late'),
      healthCheckRoutes: [],
    });
    const heard: unknown[] = [];
    let removedHeard = false;
    let signalReason: unknown;
    app.get('/slow', async (request) => {
      const notifier = abortNotifierOf(request);
      expect(notifier.aborted).toBe(false);
      const removed = () => {
        removedHeard = true;
      };
      notifier.once('abort', () => heard.push(notifier.reason));
      notifier.on('abort', removed);
      notifier.removeListener('abort', removed);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(notifier.aborted).toBe(true);
      signalReason = request.deadline.reason;
      return 'too late';
    });
    const answer = await app.inject({ url: '/slow' });
    expect(answer.statusCode).toBe(504);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(heard).toHaveLength(1);
    expect(heard[0]).toBeInstanceOf(DeadlineExceededError);
    expect(removedHeard).toBe(false);
    expect(signalReason).toBe(heard[0]);
    await app.close();
  });

  it('has a notifier that never aborts for a request the request context did not see', () => {
    const notifier = abortNotifierOf({} as never);
    expect(notifier.aborted).toBe(false);
    expect(notifier.once('abort', () => undefined)).toBe(notifier);
  });
});
