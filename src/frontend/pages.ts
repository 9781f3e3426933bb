import type { FastifyReply } from 'fastify';
import { PAGE_CACHE_CONTROL } from '../common/security-headers.js';
import type { Renderer } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    cspNonce: string;
  }
}

/** Sends a rendered page with the request's CSP nonce; pages are never cached. */
export function sendPage(
  reply: FastifyReply,
  render: Renderer,
  status: number,
  template: string,
  context: Record<string, unknown> = {},
): FastifyReply {
  const html = render(template, { ...context, cspNonce: reply.request.cspNonce });
  return reply
    .status(status)
    .header('cache-control', PAGE_CACHE_CONTROL)
    .type('text/html; charset=utf-8')
    .send(html);
}
