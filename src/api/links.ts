import { bytesToBase64url, uuidToBase64url } from '../common/ids.js';
import type { ApiConfig } from './config.js';

type LinkConfig = Pick<ApiConfig, 'httpScheme' | 'frontendHostname' | 'apiHostname'>;

/** `{api}/services/{sid}/documents/{did}.{ext}?key=…` — the file itself, served by this API. */
export function directFileUrl(
  config: LinkConfig,
  serviceId: string,
  documentId: string,
  key: Buffer,
  extension: string,
): string {
  return `${config.httpScheme}://${config.apiHostname}/services/${serviceId}/documents/${documentId}.${extension}?key=${bytesToBase64url(key)}`;
}

/** `{frontend}/d/{b64 sid}/{b64 did}?key=…` — the link in the recipient's email. */
export function recipientUrl(config: LinkConfig, serviceId: string, documentId: string, key: Buffer): string {
  return `${config.httpScheme}://${config.frontendHostname}/d/${uuidToBase64url(serviceId)}/${uuidToBase64url(documentId)}?key=${bytesToBase64url(key)}`;
}
