import type { FastifyInstance } from 'fastify';
import { documentApiRoutes } from '../../common/routes.js';
import { checkedUploads, type CheckedUploadOptions } from '../requests/checked-upload.js';

export type AntivirusAndMimetypeCheckRouteOptions = CheckedUploadOptions;

/** `POST` the antivirus-and-mimetype-check route: the upload's checks alone, nothing stored. */
export async function antivirusAndMimetypeCheckRoute(
  app: FastifyInstance,
  options: AntivirusAndMimetypeCheckRouteOptions,
): Promise<void> {
  const { routeOptions, checkedUpload } = checkedUploads(app, options);

  app.post<{ Params: { sid: string } }>(
    documentApiRoutes.antivirusAndMimetypeCheck,
    routeOptions,
    async (request, reply) => {
      const { mimetype } = await checkedUpload(request);
      return reply.sent ? reply : { mimetype };
    },
  );
}
