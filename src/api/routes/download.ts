import type { FastifyInstance } from 'fastify';
import { ACCESS_COOKIE_NAME } from '../../common/access-cookie-name.js';
import { documentApiRoutes } from '../../common/routes.js';
import { NO_STORE, PRIVATE_HEADERS, PRIVATE_NO_STORE } from '../../common/security-headers.js';
import type { ApiContext } from '../context.js';
import {
  checkReadable,
  documentExtension,
  loadDocument,
  notFoundAs404,
  servedMimetype,
} from '../documents.js';
import { ApiError } from '../errors.js';
import { contentDisposition, downloadContentType, parseRange } from '../download-headers.js';
import { recipientUrl } from '../links.js';
import { cookieValues } from '../requests/cookie-header.js';
import { documentIdParam, keyQuery, uuidParam } from '../requests/params.js';
import { verifyAccessToken } from '../signing.js';

export type DownloadRouteOptions = Pick<ApiContext, 'config' | 'store' | 'now'>;

/**
 * `GET` the download route (`did` or `did.ext`) with `?key=`: the decrypted file, whole or one byte range. A document
 * that needs the recipient's email address is served only with a valid access cookie, else 302 to its page.
 */
export async function downloadRoute(app: FastifyInstance, options: DownloadRouteOptions): Promise<void> {
  const { config } = options;

  app.get<{ Params: { sid: string; did: string }; Querystring: { key?: unknown } }>(
    documentApiRoutes.download,
    async (request, reply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = documentIdParam(request.params.did);
      const key = keyQuery(request.query.key);
      const etag = `"${documentId}"`;
      const ifRange = request.headers['if-range'];
      const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;

      // A whole-file download opens the document straight away and checks what the open read (one key check
      // locally; on S3 the tags and the GetObject, as Notify's API asks). A range needs the size first.
      const whole =
        rangeHeader === undefined
          ? await notFoundAs404(options.store.open(serviceId, documentId, key))
          : undefined;
      const metadata = whole?.metadata ?? (await loadDocument(options, serviceId, documentId, key));
      try {
        checkReadable(metadata, options.now());
      } catch (error) {
        whole?.body.destroy();
        throw error;
      }

      if (metadata.hashedRecipientEmail) {
        const tokens = cookieValues(request.headers.cookie, ACCESS_COOKIE_NAME);
        const now = options.now().getTime();
        const allowed = tokens.some((token) =>
          verifyAccessToken(config.secretKey, token, serviceId, documentId, now),
        );
        if (!allowed) {
          whole?.body.destroy();
          return reply
            .code(302)
            .headers({ ...PRIVATE_HEADERS, 'Cache-Control': NO_STORE })
            .redirect(recipientUrl(config, serviceId, documentId, key), 302);
        }
      }

      const range = parseRange(rangeHeader, metadata.size);
      if (range.kind === 'unsatisfiable') {
        throw new ApiError(416, 'Requested range not satisfiable', {
          'Content-Range': `bytes */${metadata.size}`,
        });
      }
      const extension = documentExtension(metadata);
      const filename = metadata.filename ?? `${documentId}.${extension}`;
      reply.headers({
        ...PRIVATE_HEADERS,
        'Content-Type': downloadContentType(servedMimetype(metadata)),
        'Content-Disposition': contentDisposition(extension, filename),
        'Accept-Ranges': 'bytes',
        ETag: etag,
        'Cache-Control': PRIVATE_NO_STORE,
      });
      const opened =
        whole ??
        (await options.store.open(
          serviceId,
          documentId,
          key,
          range.kind === 'range' ? range.range : undefined,
        ));
      if (range.kind === 'range') {
        const { start, end } = range.range;
        reply.code(206);
        reply.header('Content-Range', `bytes ${start}-${end}/${metadata.size}`);
        reply.header('Content-Length', String(end - start + 1));
      } else {
        reply.header('Content-Length', String(metadata.size));
      }
      return reply.send(opened.body);
    },
  );
}
