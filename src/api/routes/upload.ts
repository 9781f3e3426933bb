import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateKey } from '../../common/ids.js';
import { documentApiRoutes } from '../../common/routes.js';
import type { ApiContext } from '../context.js';
import { documentExtension } from '../documents.js';
import { hashEmailAddress } from '../email-hashing.js';
import { directFileUrl, recipientUrl } from '../links.js';
import { checkedUploads } from '../requests/checked-upload.js';

export type UploadRouteOptions = Pick<ApiContext, 'config' | 'checks' | 'serviceForToken' | 'store' | 'now'>;

/** `POST` the upload route: checks a file, stores it encrypted under a new key, answers its links. */
export async function uploadRoute(app: FastifyInstance, options: UploadRouteOptions): Promise<void> {
  const { routeOptions, checkedUpload } = checkedUploads(app, options);

  app.post<{ Params: { sid: string } }>(documentApiRoutes.upload, routeOptions, async (request, reply) => {
    const { serviceId, upload, mimetype } = await checkedUpload(request);
    const key = generateKey();
    const documentId = randomUUID();
    const hashedRecipientEmail = upload.confirmationEmail
      ? await hashEmailAddress(upload.confirmationEmail)
      : undefined;
    const metadata = {
      mimetype,
      createdAt: options.now(),
      retentionPeriod: upload.retentionPeriod ?? options.config.defaultRetentionPeriod,
      ...(upload.filename !== undefined ? { filename: upload.filename } : {}),
      ...(hashedRecipientEmail !== undefined ? { hashedRecipientEmail } : {}),
    };
    await options.store.put({ serviceId, documentId, key, content: upload.content, metadata });
    if (reply.sent) return reply; // the deadline answered already
    const extension = documentExtension({ ...metadata, size: upload.content.length, blocked: false });
    return reply.code(201).send({
      status: 'ok',
      document: {
        id: documentId,
        direct_file_url: directFileUrl(options.config, serviceId, documentId, key, extension),
        url: recipientUrl(options.config, serviceId, documentId, key),
        mimetype,
      },
    });
  });
}
