import { EXTENSION_BY_MIMETYPE, MIMETYPE_BY_EXTENSION } from './allowed-file-types.js';
import { filenameExtension } from './checks/mimetype.js';
import { ApiError, DOCUMENT_NOT_FOUND } from './errors.js';
import { isExpired } from './expiry.js';
import type { ApiContext } from './context.js';
import { DocumentNotFoundError, type DocumentMetadata } from './store/document-store.js';

/** The extension a document is linked and served with: its filename's, else its type's. */
export function documentExtension(metadata: DocumentMetadata): string {
  const fromName = metadata.filename !== undefined ? filenameExtension(metadata.filename) : undefined;
  if (fromName !== undefined && Object.hasOwn(MIMETYPE_BY_EXTENSION, fromName)) return fromName;
  return EXTENSION_BY_MIMETYPE[metadata.mimetype] ?? 'bin';
}

/** The Content-Type a download is served with: from the filename's extension, else the stored type. */
export function servedMimetype(metadata: DocumentMetadata): string {
  const fromName = metadata.filename !== undefined ? filenameExtension(metadata.filename) : undefined;
  return (fromName !== undefined ? MIMETYPE_BY_EXTENSION[fromName] : undefined) ?? metadata.mimetype;
}

/**
 * The metadata of a readable document, or the error a recipient gets: 404 missing/wrong key, 403 blocked, 410 expired.
 * Reads only: nothing is changed or deleted.
 */
export async function loadDocument(
  ctx: Pick<ApiContext, 'store' | 'now'>,
  serviceId: string,
  documentId: string,
  key: Buffer,
): Promise<DocumentMetadata> {
  const metadata = await notFoundAs404(ctx.store.getMetadata(serviceId, documentId, key));
  checkReadable(metadata, ctx.now());
  return metadata;
}

/** A store read whose "not found" (a missing document or a wrong key) becomes the recipient's 404. */
export async function notFoundAs404<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DocumentNotFoundError) throw new ApiError(404, DOCUMENT_NOT_FOUND);
    throw error;
  }
}

/** Throws the recipient's 403 for a blocked document and 410 for an expired one. */
export function checkReadable(metadata: DocumentMetadata, now: Date): void {
  if (metadata.blocked) throw new ApiError(403, 'Access to the document has been blocked');
  if (isExpired(metadata, now)) {
    // Never deleted here: one wrong expiry reading (S3 sent a past `Expiration` under load) must not lose a
    // live document. Deleting is purge's job and the bucket lifecycle's.
    throw new ApiError(410, 'The document is no longer available');
  }
}
