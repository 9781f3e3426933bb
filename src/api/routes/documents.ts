import { verify } from '@node-rs/argon2';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isValidEmailAddress, stripAndRemoveObscureWhitespace } from '../../common/email.js';
import type { ApiContext } from '../context.js';
import { documentExtension, loadDocument, servedMimetype } from '../documents.js';
import { ApiError, tooManyAttempts } from '../errors.js';
import { availableUntil } from '../expiry.js';
import { contentDisposition, parseRange } from '../http.js';
import { directFileUrl, recipientUrl } from '../links.js';
import { keyParam, uuidParam } from '../params.js';
import { signAccessToken, verifyAccessToken } from '../signing.js';

export const ACCESS_COOKIE = 'document_access_signed_data';
const PRIVATE_HEADERS = { 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' };

/** Values of one cookie name in a Cookie header (there may be several, set for different paths). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header || header.length > 16_384) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      values.push(decodeURIComponent(value));
    } catch {
      values.push(value);
    }
  }
  return values;
}

/** `did` or `did.ext` (the extension is only there for browsers; any is accepted, as Notify does). */
function documentIdParam(value: string | undefined): string {
  const dot = value?.indexOf('.') ?? -1;
  return uuidParam(dot >= 0 ? value?.slice(0, dot) : value);
}

function singleQuery(value: unknown): unknown {
  return Array.isArray(value) ? Symbol('repeated') : value;
}

export async function documentRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const { config } = ctx;

  app.get<{ Params: { sid: string; did: string }; Querystring: { key?: unknown } }>(
    '/services/:sid/documents/:did',
    async (request, reply: FastifyReply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = documentIdParam(request.params.did);
      const key = keyParam(singleQuery(request.query.key));
      const metadata = await loadDocument(ctx, serviceId, documentId, key);

      if (metadata.hashedRecipientEmail) {
        const tokens = cookieValues(request.headers.cookie, ACCESS_COOKIE);
        const now = ctx.now().getTime();
        const allowed = tokens.some((token) =>
          verifyAccessToken(config.secretKey, token, serviceId, documentId, now),
        );
        if (!allowed) {
          return reply
            .code(302)
            .headers({ ...PRIVATE_HEADERS, 'Cache-Control': 'no-store' })
            .redirect(recipientUrl(config, serviceId, documentId, key), 302);
        }
      }

      const etag = `"${documentId}"`;
      const ifRange = request.headers['if-range'];
      const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
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
        'Content-Type': servedMimetype(metadata),
        'Content-Disposition': contentDisposition(extension, filename),
        'Accept-Ranges': 'bytes',
        ETag: etag,
        'Cache-Control': 'private, no-store',
      });
      const opened = await ctx.store.open(
        serviceId,
        documentId,
        key,
        range.kind === 'range' ? range.range : undefined,
      );
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

  app.get<{ Params: { sid: string; did: string }; Querystring: { key?: unknown } }>(
    '/services/:sid/documents/:did/check',
    async (request, reply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = uuidParam(request.params.did);
      const key = keyParam(singleQuery(request.query.key));
      const metadata = await loadDocument(ctx, serviceId, documentId, key);
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
        },
      };
    },
  );

  app.post<{ Params: { sid: string; did: string } }>(
    '/services/:sid/documents/:did/authenticate',
    { bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = uuidParam(request.params.did);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ApiError(400, 'Request body must be a JSON object');
      }
      const { key: rawKey, email_address: rawEmail } = body as Record<string, unknown>;
      const key = keyParam(rawKey);
      if (rawEmail === undefined || rawEmail === null || rawEmail === '')
        throw new ApiError(400, 'No email address');
      if (typeof rawEmail !== 'string' || !isValidEmailAddress(rawEmail)) {
        throw new ApiError(400, 'Invalid email address');
      }
      const email = stripAndRemoveObscureWhitespace(rawEmail).toLowerCase();

      // The key is checked first: only attempts that hold it count against the recipient's limit, so a
      // stranger guessing keys cannot lock them out, and leaves no counter behind (SPEC 4).
      let metadata;
      try {
        metadata = await loadDocument(ctx, serviceId, documentId, key);
      } catch (error) {
        // A missing document or wrong key fails authentication, as in Notify's API.
        if (error instanceof ApiError && error.statusCode === 404)
          throw new ApiError(403, 'Authentication failure');
        throw error;
      }

      let decision;
      try {
        decision = await ctx.rateLimiter.consume(`${serviceId}/${documentId}`);
      } catch (error) {
        // Without a working limiter, attempts cannot be counted: refuse them (fail closed) until it is back.
        request.log.error({ err: error }, 'rate limiter unavailable');
        throw new ApiError(503, 'Service unavailable');
      }
      if (!decision.allowed) {
        throw tooManyAttempts(config.rateLimit, decision.retryAfterSeconds);
      }
      const hashed = metadata.hashedRecipientEmail;
      let verified = false;
      if (hashed) {
        try {
          verified = await verify(hashed, email);
        } catch (error) {
          ctx.logger.warn(
            { err: error, service_id: serviceId, document_id: documentId },
            'stored email hash is unreadable',
          );
        }
      }
      if (!verified) throw new ApiError(403, 'Authentication failure');
      reply.headers({ ...PRIVATE_HEADERS, 'Cache-Control': 'no-store' });
      return {
        signed_data: signAccessToken(config.secretKey, serviceId, documentId, ctx.now().getTime()),
        direct_file_url: directFileUrl(config, serviceId, documentId, key, documentExtension(metadata)),
      };
    },
  );
}
