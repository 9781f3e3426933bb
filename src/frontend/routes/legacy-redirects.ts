import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { urls } from '../urls.js';

export interface LegacyRedirectsRouteOptions {
  /** Public base URL of the document API, where these addresses live now. */
  documentApiPublicUrl: string;
}

/** The old document URLs that links in old emails point at: sent, path and query intact, to the API's host. */
export async function legacyRedirectsRoute(
  app: FastifyInstance,
  { documentApiPublicUrl }: LegacyRedirectsRouteOptions,
): Promise<void> {
  const toApi = async (request: FastifyRequest, reply: FastifyReply) =>
    reply.redirect(`${documentApiPublicUrl}${pathAndQuery(request.url)}`, 301);
  for (const path of urls.legacyApi) app.get(path, toApi);
}

const ABSOLUTE_FORM_PREFIX = /^[a-z][a-z\d+.-]*:\/\/[^/]*/i;

/**
 * The path and query of a request target. HTTP/1.1 allows the absolute form (`GET http://host/path`), which
 * the router matches by its path alone: only that path and query may follow the API's host in a Location.
 */
export function pathAndQuery(target: string): string {
  const path = target.replace(ABSOLUTE_FORM_PREFIX, '');
  return path.startsWith('/') ? path : `/${path}`;
}
