import type { FastifyError, FastifyInstance } from 'fastify';
import { type ErrorAnswerer, registerEdgeAnswers } from '../common/http-edge.js';
import { ApiError } from './errors.js';

/**
 * Fastify's own errors, as fixed text: its messages may quote the request. The 415 here is for the JSON-only
 * routes; the two upload routes, which also take a multipart form, say so in their own (checked-upload.ts).
 */
const FASTIFY_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type: send application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
  FST_ERR_CTP_INVALID_TYPE: 'Invalid Content-Type header',
  FST_ERR_CTP_EMPTY_TYPE: 'Invalid Content-Type header',
  FST_ERR_BAD_URL: 'Malformed URL',
  FST_ERR_ASYNC_CONSTRAINT: 'Bad request',
};

/** The answer to a request refused before or outside routing (parser errors, no Host, CONNECT...): JSON too. */
export const jsonErrorAnswer: ErrorAnswerer = ({ message }) => ({
  headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
  body: JSON.stringify({ error: message }),
});

/** The message a client gets for an error: ours as written, Fastify's as fixed text, nothing internal. */
export function clientMessage(error: FastifyError, status: number): string {
  const known = error.code ? FASTIFY_ERROR_MESSAGES[error.code] : undefined;
  if (known) return known;
  if (error instanceof SyntaxError || error.code === undefined) {
    // JSON parse errors quote the body; never reflect it.
    return status === 400 ? 'Request body is not valid JSON' : 'Bad request';
  }
  return status === 404 ? 'Not found' : 'Bad request';
}

/**
 * Every error as `{"error": message}`: an ApiError with its status, message and headers; a Fastify 4xx with a
 * fixed message; anything else a logged 500 (or 503) that says nothing of the cause. Edge answers too.
 */
export function setUpJsonErrors(app: FastifyInstance): void {
  registerEdgeAnswers(app, jsonErrorAnswer);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (reply.sent) return reply;
    if (error instanceof ApiError) {
      return reply.code(error.statusCode).headers(error.headers).send({ error: error.message });
    }
    const status =
      typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600
        ? error.statusCode
        : 500;
    if (status >= 500) {
      // The logger's `err` serializer keeps the message, code and stack; handing it an already serialized
      // object would make it log "[object Object]".
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(status)
        .send({ error: status === 503 ? 'Service unavailable' : 'Internal server error' });
    }
    return reply.code(status).send({ error: clientMessage(error, status) });
  });
}
