import type { FastifyInstance } from 'fastify';
import { isValidEmailAddress, stripAndRemoveObscureWhitespace } from '../../common/email.js';
import { isRecord } from '../../common/json.js';
import { documentApiRoutes } from '../../common/routes.js';
import { NO_STORE, PRIVATE_HEADERS } from '../../common/security-headers.js';
import type { ApiContext } from '../context.js';
import { documentExtension, loadDocument } from '../documents.js';
import { verifyEmailAddress } from '../email-hashing.js';
import { ApiError, tooManyAttempts } from '../errors.js';
import { directFileUrl } from '../links.js';
import { keyParam, uuidParam } from '../requests/params.js';
import { signAccessToken } from '../signing.js';

export type AuthenticateRouteOptions = Pick<
  ApiContext,
  'config' | 'store' | 'now' | 'rateLimiter' | 'logger'
>;

/**
 * `POST` the authenticate route with `{key, email_address}`: the signed access token
 * for the recipient's cookie when the address is the one the document was sent to, rate limited per document.
 */
export async function authenticateRoute(
  app: FastifyInstance,
  options: AuthenticateRouteOptions,
): Promise<void> {
  const { config } = options;

  app.post<{ Params: { sid: string; did: string } }>(
    documentApiRoutes.authenticate,
    { bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const serviceId = uuidParam(request.params.sid);
      const documentId = uuidParam(request.params.did);
      const body = request.body;
      if (!isRecord(body)) throw new ApiError(400, 'Request body must be a JSON object');
      const { key: rawKey, email_address: rawEmail } = body;
      const key = keyParam(rawKey);
      if (rawEmail === undefined || rawEmail === null || rawEmail === '')
        throw new ApiError(400, 'No email address');
      if (typeof rawEmail !== 'string' || !isValidEmailAddress(rawEmail)) {
        throw new ApiError(400, 'Invalid email address');
      }
      const email = stripAndRemoveObscureWhitespace(rawEmail).toLowerCase();

      // The key is checked first: only attempts that hold it count against the recipient's limit, so a
      // stranger guessing keys cannot lock them out, and leaves no counter behind.
      let metadata;
      try {
        metadata = await loadDocument(options, serviceId, documentId, key);
      } catch (error) {
        // A missing document or wrong key fails authentication, as in Notify's API.
        if (error instanceof ApiError && error.statusCode === 404)
          throw new ApiError(403, 'Authentication failure');
        throw error;
      }

      let decision;
      try {
        decision = await options.rateLimiter.consume(`${serviceId}/${documentId}`);
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
          verified = await verifyEmailAddress(hashed, email);
        } catch (error) {
          options.logger.warn(
            { err: error, service_id: serviceId, document_id: documentId },
            'stored email hash is unreadable',
          );
        }
      }
      if (!verified) throw new ApiError(403, 'Authentication failure');
      reply.headers({ ...PRIVATE_HEADERS, 'Cache-Control': NO_STORE });
      return {
        signed_data: signAccessToken(config.secretKey, serviceId, documentId, options.now().getTime()),
        direct_file_url: directFileUrl(config, serviceId, documentId, key, documentExtension(metadata)),
      };
    },
  );
}
