import { isRecord } from '../../common/json.js';
import { documentApiPaths } from '../../common/routes.js';
import { type Language, parseLanguage } from '../language.js';
import { type CallContext, type JsonUpstream, unexpectedStatus, UpstreamError } from './upstream.js';

export interface DocumentInfo {
  directFileUrl: string;
  confirmEmail: boolean;
  sizeInBytes: number;
  fileExtension: string;
  filename: string | null;
  /** ISO date, or null when the API cannot say. */
  availableUntil: string | null;
  /** The language the sending service chose for the recipient's pages; null when it chose none. */
  language: Language | null;
}

export type CheckResult =
  { kind: 'found'; document: DocumentInfo } | { kind: 'not-found' } | { kind: 'gone' };

export type AuthenticateResult =
  | { kind: 'authenticated'; signedData: string; directFileUrl: string }
  | { kind: 'wrong-email' }
  | { kind: 'rate-limited' }
  | { kind: 'not-found' }
  | { kind: 'gone' };

export interface DocumentRef {
  serviceId: string;
  documentId: string;
  key: string;
}

/** The document API's frontend-facing calls: `/check` and `/authenticate`. */
export class DocumentApiClient {
  constructor(private readonly upstream: JsonUpstream) {}

  async check({ serviceId, documentId, key }: DocumentRef, context: CallContext): Promise<CheckResult> {
    const path = `${documentApiPaths.check(serviceId, documentId)}?key=${encodeURIComponent(key)}`;
    const { status, json } = await this.upstream.request('GET', path, context);
    if (status === 200) {
      if (isRecord(json) && json.document === null) return { kind: 'gone' };
      const document = isRecord(json) ? parseDocument(json.document) : undefined;
      if (!document) throw this.error('malformed check response', status);
      return { kind: 'found', document };
    }
    return this.unavailable(status, json) ?? this.unexpected(status);
  }

  async authenticate(
    { serviceId, documentId, key }: DocumentRef,
    emailAddress: string,
    context: CallContext,
  ): Promise<AuthenticateResult> {
    const path = documentApiPaths.authenticate(serviceId, documentId);
    const { status, json } = await this.upstream.request('POST', path, context, {
      body: { key, email_address: emailAddress },
    });
    if (status === 200) {
      if (
        !isRecord(json) ||
        typeof json.signed_data !== 'string' ||
        typeof json.direct_file_url !== 'string'
      ) {
        throw this.error('malformed authenticate response', status);
      }
      return { kind: 'authenticated', signedData: json.signed_data, directFileUrl: json.direct_file_url };
    }
    if (status === 429) return { kind: 'rate-limited' };
    if (status === 400 || status === 403) {
      // An old-style 400 about the key means the link is wrong, not the email address.
      return mentionsBadKey(json) ? { kind: 'not-found' } : { kind: 'wrong-email' };
    }
    return this.unavailable(status, json) ?? this.unexpected(status);
  }

  private unavailable(status: number, json: unknown): { kind: 'not-found' } | { kind: 'gone' } | undefined {
    if (status === 404 || status === 403) return { kind: 'not-found' };
    if (status === 410) return { kind: 'gone' };
    if (status === 400 && mentionsBadKey(json)) return { kind: 'not-found' };
    return undefined;
  }

  private unexpected(status: number): never {
    throw unexpectedStatus(this.upstream.name, status);
  }

  private error(message: string, status: number): UpstreamError {
    return new UpstreamError(this.upstream.name, message, status);
  }
}

function mentionsBadKey(json: unknown): boolean {
  const error = isRecord(json) ? json.error : undefined;
  const text = typeof error === 'string' ? error : JSON.stringify(error ?? '');
  return text.includes('decryption key') || text.includes('Forbidden');
}

function parseDocument(value: unknown): DocumentInfo | undefined {
  if (!isRecord(value)) return undefined;
  const {
    direct_file_url: directFileUrl,
    confirm_email: confirmEmail,
    size_in_bytes: size,
    file_extension: fileExtension,
    filename,
    available_until: availableUntil,
    language,
  } = value;
  if (typeof directFileUrl !== 'string' || !/^https?:\/\//.test(directFileUrl)) return undefined;
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) return undefined;
  if (typeof fileExtension !== 'string') return undefined;
  if (availableUntil !== null && availableUntil !== undefined && typeof availableUntil !== 'string')
    return undefined;
  return {
    directFileUrl,
    confirmEmail: confirmEmail === true,
    sizeInBytes: size,
    fileExtension,
    filename: typeof filename === 'string' ? filename : null,
    availableUntil: availableUntil ?? null,
    // Notify's API sends no language, and an unknown one is ignored: both mean the default.
    language: parseLanguage(language) ?? null,
  };
}
