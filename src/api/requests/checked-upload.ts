import type { FastifyError, FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { makeAuthCheck } from '../auth.js';
import { checkFile } from '../checks/check-file.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { uuidParam } from './params.js';
import { FILE_TOO_LARGE, parseUploadBody, type UploadRequest } from './upload-body.js';

/** The 415 of the two routes that take Notify's JSON or the streamed upload's multipart form. */
export const UNSUPPORTED_UPLOAD_TYPE = 'Unsupported content type: send JSON or a multipart form';

export type CheckedUploadOptions = Pick<ApiContext, 'config' | 'checks' | 'serviceForToken'>;

export interface CheckedUpload {
  serviceId: string;
  upload: UploadRequest;
  mimetype: string;
}

/**
 * What the sending side's two routes (upload and file check) share, set up in the plugin that defines them:
 * the bearer check before the (large) body is read, Notify's 413 message for a body over MAX_CONTENT_LENGTH,
 * and the same body read and checks (antivirus, then the type from the content). A multipart form (the
 * streamed upload) is left unread for the route to stream (see receiveStreamedUpload).
 */
export function checkedUploads(
  app: FastifyInstance,
  options: CheckedUploadOptions,
): {
  routeOptions: { bodyLimit: number; onRequest: onRequestAsyncHookHandler };
  checkedUpload(request: FastifyRequest<{ Params: { sid: string } }>): Promise<CheckedUpload>;
} {
  const checkAuth = makeAuthCheck(options.config.authTokens, options.serviceForToken);

  // Everything but the body size and type goes on to the app's error handler (an error thrown here is handled
  // there); these two routes also take a multipart form, so their 415 says so.
  app.setErrorHandler((error: FastifyError) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new ApiError(413, FILE_TOO_LARGE);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') throw new ApiError(415, UNSUPPORTED_UPLOAD_TYPE);
    throw error;
  });

  // A multipart form is the streamed upload: its route reads the body itself, once, as it arrives.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));

  const guard: onRequestAsyncHookHandler = async (request) => {
    const serviceId = uuidParam((request.params as { sid?: string }).sid);
    checkAuth(request.headers.authorization, serviceId);
  };

  return {
    routeOptions: { bodyLimit: options.config.limits.maxContentLength, onRequest: guard },
    async checkedUpload(request) {
      const serviceId = uuidParam(request.params.sid);
      const upload = parseUploadBody(request.body, options.config.limits.maxDecodedFileSize);
      const mimetype = await checkFile(
        { serviceId, content: upload.content, isCsv: upload.isCsv, filename: upload.filename },
        options.checks,
        request.deadline,
      );
      return { serviceId, upload, mimetype };
    },
  };
}
