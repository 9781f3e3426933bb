/*
 * The route table of each HTTP contract between the apps: the document API's routes, and the recipient's link
 * with the pages it leads to. Each route is a Fastify pattern; the functions beside build a path to it. The app
 * that answers a route and every client of it read the same string from here.
 *
 * The API names its parameters :sid and :did, the recipient's pages :service and :document: the pattern is what
 * an access-log line shows, so the names stay as they are.
 */

/** The document API's routes. */
export const documentApiRoutes = {
  status: '/_status',
  /** The same status under `/services/`, where Notify's load balancers ask for it. */
  servicesStatus: '/services/_status',
  /** POST a document (base64 JSON); the answer holds its links. */
  upload: '/services/:sid/documents',
  /** POST a document for its checks alone: nothing is stored. */
  antivirusAndMimetypeCheck: '/services/:sid/antivirus-and-mimetype-check',
  /** GET what the frontend shows about a document. */
  check: '/services/:sid/documents/:did/check',
  /** POST the recipient's email address for the access cookie's signed value. */
  authenticate: '/services/:sid/documents/:did/authenticate',
  /** GET the file itself; `:did` may end in `.ext`, there for browsers only. */
  download: '/services/:sid/documents/:did',
} as const;

/** The routes by which a load balancer asks whether the document API is up. */
export const documentApiStatusRoutes: readonly string[] = [
  documentApiRoutes.status,
  documentApiRoutes.servicesStatus,
];

/** Paths to the document API's routes, ids as given (a client sends what it holds, valid or not). */
export const documentApiPaths = {
  upload: (serviceId: string): string => fill(documentApiRoutes.upload, { sid: serviceId }),
  antivirusAndMimetypeCheck: (serviceId: string): string =>
    fill(documentApiRoutes.antivirusAndMimetypeCheck, { sid: serviceId }),
  check: (serviceId: string, documentId: string): string =>
    fill(documentApiRoutes.check, { sid: serviceId, did: documentId }),
  authenticate: (serviceId: string, documentId: string): string =>
    fill(documentApiRoutes.authenticate, { sid: serviceId, did: documentId }),
  download: (serviceId: string, documentId: string, extension?: string): string =>
    fill(documentApiRoutes.download, {
      sid: serviceId,
      did: extension === undefined ? documentId : `${documentId}.${extension}`,
    }),
};

/** The recipient's pages: the link in the email opens the landing page, which leads to confirm and download. */
export const recipientRoutes = {
  landing: '/d/:service/:document',
  confirmEmail: '/d/:service/:document/confirm-email-address',
  download: '/d/:service/:document/download',
} as const;

/** A recipient page's `:service` and `:document`: the ids in base64url. */
export interface RecipientParams {
  service: string;
  document: string;
}

/** A recipient page's pattern with its `:service` and `:document` filled in (each percent-encoded). */
export function recipientPath(pattern: string, params: RecipientParams): string {
  return fill(pattern, {
    service: encodeURIComponent(params.service),
    document: encodeURIComponent(params.document),
  });
}

/**
 * The document API's routes that links in old emails pointed at the frontend for, under the recipient pages'
 * parameter names: the frontend redirects them to the API's host.
 */
export const legacyDocumentApiRoutes: readonly string[] = [
  documentApiRoutes.servicesStatus,
  documentApiRoutes.download,
  documentApiRoutes.check,
].map((pattern) => pattern.replace(':sid', ':service').replace(':did', ':document'));

/**
 * Each pattern cut once around its parameters: literal pieces at even places, parameter names at odd ones. Paths
 * are built on every journey page (three links and the check call), so by concatenation, not a regex per path.
 */
const cutPatterns = new Map<string, readonly string[]>();

/** `pattern` with each `:name` replaced by `params[name]` (left as it is when `params` has no such name). */
function fill(pattern: string, params: Readonly<Record<string, string>>): string {
  let pieces = cutPatterns.get(pattern);
  if (!pieces) cutPatterns.set(pattern, (pieces = pattern.split(/:(\w+)/)));
  let path = pieces[0] as string;
  for (let i = 1; i < pieces.length; i += 2) {
    const name = pieces[i] as string;
    path += (params[name] ?? `:${name}`) + (pieces[i + 1] as string);
  }
  return path;
}
