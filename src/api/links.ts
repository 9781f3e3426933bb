import { bytesToBase64url, uuidToBase64url } from '../common/ids.js';
import { documentApiPaths, recipientPath, recipientRoutes } from '../common/routes.js';
import type { ApiConfig } from './config.js';

type LinkConfig = Pick<ApiConfig, 'httpScheme' | 'frontendHostname' | 'apiHostname'>;

/** The API's download route with the document's extension and key: the file itself, served by this API. */
export function directFileUrl(
  config: LinkConfig,
  serviceId: string,
  documentId: string,
  key: Buffer,
  extension: string,
): string {
  const path = documentApiPaths.download(serviceId, documentId, extension);
  return `${config.httpScheme}://${config.apiHostname}${path}?key=${bytesToBase64url(key)}`;
}

/** The frontend's landing page with the ids in base64url and the key: the link in the recipient's email. */
export function recipientUrl(config: LinkConfig, serviceId: string, documentId: string, key: Buffer): string {
  const path = recipientPath(recipientRoutes.landing, {
    service: uuidToBase64url(serviceId),
    document: uuidToBase64url(documentId),
  });
  return `${config.httpScheme}://${config.frontendHostname}${path}?key=${bytesToBase64url(key)}`;
}
