import type { FastifyReply, FastifyRequest } from 'fastify';
import { base64urlToUuid, decodeKey } from '../../common/ids.js';
import { abortNotifierOf } from '../../common/request-context.js';
import type { RecipientParams } from '../../common/routes.js';
import type { DocumentApiClient, DocumentInfo, DocumentRef } from '../clients/document-api.js';
import type { Service, ServiceDirectoryClient } from '../clients/service-directory.js';
import type { CallContext } from '../clients/upstream.js';
import { contactFor, daysFromToday, parseAvailableUntil, ukToday, type Contact } from '../format.js';
import { DEFAULT_LANGUAGE } from '../language.js';
import { sendPage } from '../pages.js';
import { type JourneyLinks, journeyLinks } from '../urls.js';
import type { Renderer } from '../views.js';

export interface JourneyDeps {
  render: Renderer;
  services: ServiceDirectoryClient;
  documents: DocumentApiClient;
  now: () => Date;
}

export interface JourneyRoute {
  Params: RecipientParams;
  Querystring: Record<string, unknown>;
}

/** Who sent it, what it is, and the page addresses of this journey. */
export interface Journey {
  ref: DocumentRef;
  service: Service;
  contact: Contact | undefined;
  document: DocumentInfo;
  links: JourneyLinks;
}

export function callContext(request: FastifyRequest): CallContext {
  return { trace: request.trace, signal: abortNotifierOf(request) };
}

/**
 * The start of every journey page: decode the ids, find the service and the document (in parallel), and
 * answer with the right "not available" page when either is missing. Returns undefined once it has replied.
 */
export async function loadJourney(
  request: FastifyRequest<JourneyRoute>,
  reply: FastifyReply,
  deps: JourneyDeps,
): Promise<Journey | undefined> {
  const serviceId = base64urlToUuid(request.params.service);
  const documentId = base64urlToUuid(request.params.document);
  const rawKey = request.query.key;
  if (!serviceId || !documentId || typeof rawKey !== 'string' || rawKey === '') {
    sendPage(reply, deps.render, 404, 'errors/404.njk');
    return undefined;
  }
  const context = callContext(request);
  const keyIsWellFormed = decodeKey(rawKey) !== undefined;
  const ref: DocumentRef = { serviceId, documentId, key: rawKey.replace(/=+$/, '') };

  const [service, check] = await Promise.all([
    deps.services.getService(serviceId, context),
    // A key that cannot be a key is not worth a round trip: the API would refuse it.
    keyIsWellFormed ? deps.documents.check(ref, context) : Promise.resolve({ kind: 'not-found' as const }),
  ]);
  if (!service) {
    sendPage(reply, deps.render, 404, 'errors/404.njk');
    return undefined;
  }
  const contact = service.contactLink ? contactFor(service.contactLink) : undefined;
  const unavailable = { service, contact };
  if (check.kind === 'not-found') {
    sendPage(reply, deps.render, 404, 'errors/file-not-found.njk', unavailable);
    return undefined;
  }
  if (check.kind === 'gone' || hasExpired(check.document, deps.now())) {
    sendPage(reply, deps.render, 410, 'errors/file-gone.njk', unavailable);
    return undefined;
  }
  // The page speaks the language the link chose, else the one the sending service chose for the document.
  request.language = request.chosenLanguage ?? check.document.language ?? DEFAULT_LANGUAGE;
  return {
    ref,
    service,
    contact,
    document: check.document,
    // The ids decoded, so their segments are canonical base64url: the links spell them the same way.
    links: journeyLinks(ref, request.chosenLanguage, {
      service: unpadded(request.params.service),
      document: unpadded(request.params.document),
    }),
  };
}

function unpadded(segment: string): string {
  return segment.endsWith('==') ? segment.slice(0, -2) : segment;
}

function hasExpired(document: DocumentInfo, now: Date): boolean {
  if (!document.availableUntil) return false;
  const until = parseAvailableUntil(document.availableUntil);
  return until !== undefined && daysFromToday(until, ukToday(now)) < 0;
}
