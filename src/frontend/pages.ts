import type { FastifyReply, FastifyRequest } from 'fastify';
import { UpstreamUnavailableError } from './clients/upstream.js';
import type { Renderer } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    cspNonce: string;
  }
}

/** Sends a rendered page with the request's CSP nonce (its headers, no-store included, are set on arrival). */
export function sendPage(
  reply: FastifyReply,
  render: Renderer,
  status: number,
  template: string,
  context: Record<string, unknown> = {},
): FastifyReply {
  const html = render(template, { ...context, cspNonce: reply.request.cspNonce });
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

/**
 * Wraps a page handler: an upstream that says it is unavailable (503) gets the "service unavailable" page, and
 * work still failing after the reply went out (the deadline's 504 page, say) ends quietly instead of being
 * reported as a second answer. Anything else goes on to the app's error handler (the 500 page).
 */
export function pageHandler<Request extends FastifyRequest>(
  render: Renderer,
  handler: (request: Request, reply: FastifyReply) => Promise<FastifyReply>,
): (request: Request, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (reply.sent) return reply;
      if (error instanceof UpstreamUnavailableError) {
        request.log.warn({ upstream: error.upstream }, 'upstream unavailable');
        return sendPage(reply, render, 503, 'errors/503.njk');
      }
      throw error;
    }
  };
}
