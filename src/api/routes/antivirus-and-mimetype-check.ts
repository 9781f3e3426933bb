import type { FastifyInstance } from 'fastify';
import { documentApiRoutes } from '../../common/routes.js';
import { checkedUploads, type CheckedUploadOptions } from '../requests/checked-upload.js';
import { uuidParam } from '../requests/params.js';
import { isMultipartRequest, receiveStreamedUpload } from '../requests/streamed-upload.js';

export type AntivirusAndMimetypeCheckRouteOptions = CheckedUploadOptions;

/**
 * `POST` the antivirus-and-mimetype-check route: the upload's checks alone, nothing stored; the JSON body or
 * the streamed upload's multipart form.
 */
export async function antivirusAndMimetypeCheckRoute(
  app: FastifyInstance,
  options: AntivirusAndMimetypeCheckRouteOptions,
): Promise<void> {
  const { routeOptions, checkedUpload } = checkedUploads(app, options);

  app.post<{ Params: { sid: string } }>(
    documentApiRoutes.antivirusAndMimetypeCheck,
    routeOptions,
    async (request, reply) => {
      if (isMultipartRequest(request)) {
        uuidParam(request.params.sid);
        const { mimetype } = await receiveStreamedUpload(request, reply, options);
        return reply.sent ? reply : { mimetype };
      }
      const { mimetype } = await checkedUpload(request);
      return reply.sent ? reply : { mimetype };
    },
  );
}
