import type { FastifyInstance } from 'fastify';
import { documentApiRoutes } from '../../common/routes.js';
import { PRIVATE_HEADERS } from '../../common/security-headers.js';
import type { ApiContext } from '../context.js';
import { documentExtension, loadDocument } from '../documents.js';
import { availableUntil } from '../expiry.js';
import { directFileUrl } from '../links.js';
import { keyQuery, uuidParam } from '../requests/params.js';

export type CheckRouteOptions = Pick<ApiContext, 'config' | 'store' | 'now'>;

/** `GET` the check route with `?key=`: what the frontend shows about a document. */
export async function checkRoute(app: FastifyInstance, options: CheckRouteOptions): Promise<void> {
  const { config } = options;

  app.get<{ Params: { sid: string; did: string }; Querystring: { key?: unknown } }>(
    documentApiRoutes.check,
    async (request, reply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = uuidParam(request.params.did);
      const key = keyQuery(request.query.key);
      const metadata = await loadDocument(options, serviceId, documentId, key);
      const extension = documentExtension(metadata);
      reply.headers({ ...PRIVATE_HEADERS, 'Cache-Control': 'max-age=1800' });
      return {
        document: {
          direct_file_url: directFileUrl(config, serviceId, documentId, key, extension),
          confirm_email: Boolean(metadata.hashedRecipientEmail),
          size_in_bytes: metadata.size,
          file_extension: extension,
          filename: metadata.filename ?? null,
          available_until: availableUntil(metadata),
          // Only when the sender chose one: absent means English, and Notify's answer has no such field.
          ...(metadata.language !== undefined ? { language: metadata.language } : {}),
        },
      };
    },
  );
}
