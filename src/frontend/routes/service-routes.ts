import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { urls } from '../urls.js';

const SECURITY_TXT = 'https://vdp.cabinetoffice.gov.uk/.well-known/security.txt';

/** `/_status`, the old document URLs that now live on the API host, and security.txt. */
export function registerServiceRoutes(app: FastifyInstance, documentApiPublicUrl: string): void {
  app.get(urls.status, async (_request, reply) => reply.send({ status: 'ok' }));

  // Links in old emails pointed at the frontend for these; send them, path and query intact, to the API.
  const toApi = async (request: FastifyRequest, reply: FastifyReply) =>
    reply.redirect(`${documentApiPublicUrl}${pathAndQuery(request.url)}`, 301);
  for (const path of urls.legacyApi) app.get(path, toApi);

  for (const path of urls.securityTxt)
    app.get(path, async (_request, reply) => reply.redirect(SECURITY_TXT, 302));
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
