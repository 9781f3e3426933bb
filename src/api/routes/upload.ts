import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { generateKey } from '../../common/ids.js';
import { documentApiRoutes } from '../../common/routes.js';
import type { ApiContext } from '../context.js';
import { documentExtension } from '../documents.js';
import { hashEmailAddress } from '../email-hashing.js';
import { directFileUrl, recipientUrl } from '../links.js';
import { checkedUploads } from '../requests/checked-upload.js';
import { uuidParam } from '../requests/params.js';
import { isMultipartRequest, receiveStreamedUpload, UploadSoFar } from '../requests/streamed-upload.js';
import type { UploadFields } from '../requests/upload-body.js';
import type { NewDocumentMetadata } from '../store/document-store.js';

export type UploadRouteOptions = Pick<ApiContext, 'config' | 'checks' | 'serviceForToken' | 'store' | 'now'>;

/**
 * `POST` the upload route: checks a file, stores it encrypted under a new key, answers its links. The file comes
 * base64 in Notify's JSON, or streamed in a multipart form (written to the store as it arrives, made visible
 * only once the scan has said clean and every byte is stored).
 */
export async function uploadRoute(app: FastifyInstance, options: UploadRouteOptions): Promise<void> {
  const { routeOptions, checkedUpload } = checkedUploads(app, options);

  const newMetadata = async (
    fields: UploadFields,
    mimetype: string,
    // A streamed upload hashes the address once: the hint and the final metadata must carry the same hash.
    hashOnce: (email: string) => Promise<string> = hashEmailAddress,
  ): Promise<NewDocumentMetadata> => {
    const hashedRecipientEmail = fields.confirmationEmail
      ? await hashOnce(fields.confirmationEmail)
      : undefined;
    return {
      mimetype,
      createdAt: options.now(),
      retentionPeriod: fields.retentionPeriod ?? options.config.defaultRetentionPeriod,
      ...(fields.filename !== undefined ? { filename: fields.filename } : {}),
      ...(hashedRecipientEmail !== undefined ? { hashedRecipientEmail } : {}),
      ...(fields.language !== undefined ? { language: fields.language } : {}),
    };
  };

  app.post<{ Params: { sid: string } }>(documentApiRoutes.upload, routeOptions, async (request, reply) => {
    const key = generateKey();
    const documentId = randomUUID();
    let serviceId: string;
    let metadata: NewDocumentMetadata;
    let size: number;
    if (isMultipartRequest(request)) {
      serviceId = uuidParam(request.params.sid);
      const soFar = new UploadSoFar();
      const hashes = new Map<string, Promise<string>>();
      const hashOnce = (email: string) => {
        let hash = hashes.get(email);
        if (!hash) hashes.set(email, (hash = hashEmailAddress(email)));
        return hash;
      };
      const staged = await options.store.stage({
        serviceId,
        documentId,
        key,
        metadataHint: async () => {
          const mimetype = await soFar.mimetype();
          const fields = soFar.fields;
          if (!fields) return mimetype ? { mimetype } : {};
          return newMetadata(fields, mimetype ?? 'application/octet-stream', hashOnce);
        },
      });
      try {
        const upload = await receiveStreamedUpload(
          request,
          reply,
          options,
          (chunk) => staged.write(chunk),
          soFar,
        );
        metadata = await newMetadata(upload.fields, upload.mimetype, hashOnce);
        size = upload.size;
        // An answer already given (the deadline's 504) says the upload failed: nothing may appear.
        if (reply.sent) throw new Error('upload answered before it was stored');
        await staged.commit(metadata);
      } catch (error) {
        await staged.abort().catch(() => undefined);
        throw error;
      }
    } else {
      const checked = await checkedUpload(request);
      serviceId = checked.serviceId;
      metadata = await newMetadata(checked.upload, checked.mimetype);
      size = checked.upload.content.length;
      await options.store.put({ serviceId, documentId, key, content: checked.upload.content, metadata });
    }
    if (reply.sent) return reply; // the deadline answered already
    const extension = documentExtension({ ...metadata, size, blocked: false });
    return reply.code(201).send({
      status: 'ok',
      document: {
        id: documentId,
        direct_file_url: directFileUrl(options.config, serviceId, documentId, key, extension),
        url: recipientUrl(options.config, serviceId, documentId, key),
        mimetype: metadata.mimetype,
      },
    });
  });
}
