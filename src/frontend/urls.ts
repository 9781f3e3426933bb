import { uuidToBase64url } from '../common/ids.js';
import {
  documentApiRoutes,
  legacyDocumentApiRoutes,
  recipientPath,
  recipientRoutes,
} from '../common/routes.js';
import type { DocumentRef } from './clients/document-api.js';
import { type Language, withChosenLanguage } from './language.js';

/*
 * Every URL this app answers, as Fastify route patterns, and the links built from them: a route file and the
 * links to its page read the same string from here. The recipient's pages and the document API's old addresses
 * come from the route table the API shares (src/common/routes.ts); files on disk are in
 * src/common/project-files.ts.
 */
export const urls = {
  /** The journey: a link in an email opens the landing page, which leads to confirm (if asked for) and download. */
  ...recipientRoutes,
  status: '/_status',
  /** Links in old emails pointed at the frontend for these; they now live on the document API's host. */
  legacyApi: legacyDocumentApiRoutes,
  securityTxt: ['/security.txt', '/.well-known/security.txt'],
  /** The pages a public service publishes about itself, linked from every page's footer. */
  accessibilityStatement: '/accessibility-statement',
  cookies: '/cookies',
} as const;

/** The routes by which a load balancer asks whether this app is up (the API's old one is redirected). */
export const statusRoutes: readonly string[] = [urls.status, documentApiRoutes.servicesStatus];

export interface JourneyLinks {
  landing: string;
  confirm: string;
  download: string;
}

/**
 * The page addresses of one document's journey, each carrying its key, and the language if one was chosen.
 * `segments` are the ids as the link spells them, when already at hand (unpadded base64url).
 */
export function journeyLinks(
  { serviceId, documentId, key }: DocumentRef,
  chosenLanguage: Language | null = null,
  segments: { service: string; document: string } = {
    service: uuidToBase64url(serviceId),
    document: uuidToBase64url(documentId),
  },
): JourneyLinks {
  const query = withChosenLanguage(`?key=${encodeURIComponent(key)}`, chosenLanguage ?? undefined);
  return {
    landing: recipientPath(urls.landing, segments) + query,
    confirm: recipientPath(urls.confirmEmail, segments) + query,
    download: recipientPath(urls.download, segments) + query,
  };
}
