import { hash } from '@node-rs/argon2';
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { generateKey } from '../../common/base64url.js';
import { makeAuthCheck } from '../auth.js';
import { checkFile } from '../checks/file-checks.js';
import type { ApiContext } from '../context.js';
import { documentExtension } from '../documents.js';
import { directFileUrl, recipientUrl } from '../links.js';
import { ApiError } from '../errors.js';
import { uuidParam } from '../params.js';
import { FILE_TOO_LARGE, parseUploadBody } from './upload-body.js';

/** Notify's argon2id parameters (OWASP): 15 MiB, 2 passes, 1 lane, 16-byte hash. */
export const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 15360,
  timeCost: 2,
  parallelism: 1,
  outputLen: 16,
} as const;

export async function uploadRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const checkAuth = makeAuthCheck(ctx.config.authTokens, ctx.serviceForToken);
  const bodyLimit = ctx.config.limits.maxContentLength;

  // A body over MAX_CONTENT_LENGTH gets Notify's message for these routes; everything else goes on to the
  // app's error handler (an error thrown here is handled by the parent's).
  app.setErrorHandler((error: FastifyError) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new ApiError(413, FILE_TOO_LARGE);
    throw error;
  });

  // The service id and the token are checked before the (large) body is read.
  const guard = async (request: { params: unknown; headers: { authorization?: string } }): Promise<void> => {
    const serviceId = uuidParam((request.params as { sid?: string }).sid);
    checkAuth(request.headers.authorization, serviceId);
  };

  // Both routes read the same body and run the same checks (antivirus, then the type from the content).
  const checkedUpload = async (request: FastifyRequest<{ Params: { sid: string } }>) => {
    const serviceId = uuidParam(request.params.sid);
    const upload = parseUploadBody(request.body, ctx.config.limits.maxDecodedFileSize);
    const mimetype = await checkFile(
      { serviceId, content: upload.content, isCsv: upload.isCsv, filename: upload.filename },
      ctx.checks,
      request.deadline,
    );
    return { serviceId, upload, mimetype };
  };

  app.post<{ Params: { sid: string } }>(
    '/services/:sid/documents',
    { bodyLimit, onRequest: guard },
    async (request, reply) => {
      const { serviceId, upload, mimetype } = await checkedUpload(request);
      const key = generateKey();
      const documentId = randomUUID();
      const hashedRecipientEmail = upload.confirmationEmail
        ? await hash(upload.confirmationEmail, ARGON2_OPTIONS)
        : undefined;
      const metadata = {
        mimetype,
        createdAt: ctx.now(),
        retentionPeriod: upload.retentionPeriod ?? ctx.config.defaultRetentionPeriod,
        ...(upload.filename !== undefined ? { filename: upload.filename } : {}),
        ...(hashedRecipientEmail !== undefined ? { hashedRecipientEmail } : {}),
      };
      await ctx.store.put({ serviceId, documentId, key, content: upload.content, metadata });
      if (reply.sent) return reply; // the deadline answered already
      const extension = documentExtension({ ...metadata, size: upload.content.length, blocked: false });
      return reply.code(201).send({
        status: 'ok',
        document: {
          id: documentId,
          direct_file_url: directFileUrl(ctx.config, serviceId, documentId, key, extension),
          url: recipientUrl(ctx.config, serviceId, documentId, key),
          mimetype,
        },
      });
    },
  );

  app.post<{ Params: { sid: string } }>(
    '/services/:sid/antivirus-and-mimetype-check',
    { bodyLimit, onRequest: guard },
    async (request, reply) => {
      const { mimetype } = await checkedUpload(request);
      return reply.sent ? reply : { mimetype };
    },
  );
}
