import type { FastifyInstance } from 'fastify';
import { formatExpiryDate, formatFileSize, parseAvailableUntil, prettyFileType, ukToday } from '../format.js';
import { pageHandler, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import { type JourneyDeps, type JourneyRoute, loadJourney } from './journey.js';

export function registerDownloadRoute(app: FastifyInstance, deps: JourneyDeps): void {
  app.get<JourneyRoute>(
    urls.download,
    pageHandler(deps.render, async (request, reply) => {
      const journey = await loadJourney(request, reply, deps);
      if (!journey) return reply;
      const { document } = journey;
      const availableUntil = document.availableUntil
        ? parseAvailableUntil(document.availableUntil)
        : undefined;
      return sendPage(reply, deps.render, 200, 'pages/download.njk', {
        service: journey.service,
        contact: journey.contact,
        expiryDate: availableUntil ? formatExpiryDate(availableUntil, ukToday(deps.now())) : undefined,
        directFileUrl: document.directFileUrl,
        fileType: prettyFileType(document.fileExtension),
        fileSize: formatFileSize(document.sizeInBytes),
      });
    }),
  );
}
