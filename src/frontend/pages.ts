import type { FastifyReply, FastifyRequest } from 'fastify';
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
 * Wraps a page handler so that work still failing after the reply went out (the deadline's 504 page, say)
 * ends quietly instead of being reported as a second answer.
 */
export function pageHandler<Request extends FastifyRequest>(
  handler: (request: Request, reply: FastifyReply) => Promise<FastifyReply>,
): (request: Request, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    try {
      return await handler(request, reply);
    } catch (error) {
      if (reply.sent) return reply;
      throw error;
    }
  };
}
