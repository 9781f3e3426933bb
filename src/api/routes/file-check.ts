import type { FastifyInstance } from 'fastify';
import { checkedUploads, type CheckedUploadOptions } from './checked-upload.js';

export type FileCheckRouteOptions = CheckedUploadOptions;

/** `POST /services/{sid}/antivirus-and-mimetype-check`: the upload's checks alone, nothing stored. */
export async function fileCheckRoute(app: FastifyInstance, options: FileCheckRouteOptions): Promise<void> {
  const { routeOptions, checkedUpload } = checkedUploads(app, options);

  app.post<{ Params: { sid: string } }>(
    '/services/:sid/antivirus-and-mimetype-check',
    routeOptions,
    async (request, reply) => {
      const { mimetype } = await checkedUpload(request);
      return reply.sent ? reply : { mimetype };
    },
  );
}
