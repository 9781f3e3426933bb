import { uuidToBase64url } from '../common/ids.js';
import type { DocumentRef } from './clients/document-api.js';

/*
 * Every URL this app answers, as Fastify route patterns, and the links built from them: a route file and the
 * links to its page read the same string from here. (Files on disk are in src/common/paths.ts.)
 */
export const urls = {
  /** The journey: a link in an email opens the landing page, which leads to confirm (if asked for) and download. */
  landing: '/d/:service/:document',
  confirmEmail: '/d/:service/:document/confirm-email-address',
  download: '/d/:service/:document/download',
  status: '/_status',
  /** Links in old emails pointed at the frontend for these; they now live on the document API's host. */
  legacyApi: [
    '/services/_status',
    '/services/:service/documents/:document',
    '/services/:service/documents/:document/check',
  ],
  securityTxt: ['/security.txt', '/.well-known/security.txt'],
} as const;

export interface JourneyParams {
  service: string;
  document: string;
}

export interface JourneyLinks {
  landing: string;
  confirm: string;
  download: string;
}

/** A journey pattern with its `:service` and `:document` filled in. */
export function journeyPath(pattern: string, params: JourneyParams): string {
  return pattern.replace(/:(service|document)\b/g, (_match, name: keyof JourneyParams) =>
    encodeURIComponent(params[name]),
  );
}

/** The page addresses of one document's journey, each carrying its key. */
export function journeyLinks({ serviceId, documentId, key }: DocumentRef): JourneyLinks {
  const params = { service: uuidToBase64url(serviceId), document: uuidToBase64url(documentId) };
  const query = `?key=${encodeURIComponent(key)}`;
  return {
    landing: journeyPath(urls.landing, params) + query,
    confirm: journeyPath(urls.confirmEmail, params) + query,
    download: journeyPath(urls.download, params) + query,
  };
}
