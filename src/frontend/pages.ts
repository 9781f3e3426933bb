import type { FastifyReply, FastifyRequest } from 'fastify';
import { UpstreamUnavailableError } from './clients/upstream.js';
import { type Content, contentFor } from './content.js';
import { type Language, otherLanguage, sameTargetInLanguage } from './language.js';
import type { PerRequestValues, Renderer } from './views.js';

declare module 'fastify' {
  interface FastifyRequest {
    cspNonce: string;
    /** The language of the page this request is answered with: chosen, the document's, or English. */
    language: Language;
    /** The language the query chose (`lang=cy|en`), carried on by the journey's links; null when none. */
    chosenLanguage: Language | null;
  }
}

/** The words of the page this request is answered with. */
export function contentOf(request: FastifyRequest): Content {
  return contentFor(request.language);
}

/**
 * Sends a rendered page in the request's language with its CSP nonce (its headers, no-store included, are set on
 * arrival), and a language toggle to the same address in the other language. The context is what the page is
 * made from and recurs across requests (a service, an error); `perRequest` holds what only this request prints
 * (see `PerRequestValues`).
 */
export function sendPage(
  reply: FastifyReply,
  render: Renderer,
  status: number,
  template: string,
  context: Record<string, unknown> = {},
  perRequest?: PerRequestValues,
): FastifyReply {
  const { request } = reply;
  const html = render.bytes(
    template,
    {
      ...context,
      cspNonce: request.cspNonce,
      language: request.language,
      alternateUrl: sameTargetInLanguage(request.url, otherLanguage(request.language)),
    },
    perRequest,
  );
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
