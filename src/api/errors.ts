/** An answer the API gives on purpose: an HTTP status and a one-line message, sent as {"error": message}. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Notify's 404 for a document that is not there (or, here, that the key does not open). */
export const DOCUMENT_NOT_FOUND = 'The requested document could not be found';

/** The 429 for authenticate past its rate limit, in Notify's wording. */
export function tooManyAttempts(
  rateLimit: { limit: number; intervalSeconds: number },
  retryAfterSeconds: number,
): ApiError {
  const { limit, intervalSeconds } = rateLimit;
  return new ApiError(429, `Too many requests - more than ${limit} in the last ${intervalSeconds} seconds`, {
    'Retry-After': String(retryAfterSeconds),
  });
}
