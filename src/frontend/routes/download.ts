import type { FastifyInstance } from 'fastify';
import { formatExpiryDate, formatFileSize, parseAvailableUntil, prettyFileType, ukToday } from '../format.js';
import { pageHandler, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import { type JourneyDeps, type JourneyRoute, loadJourney } from './journey.js';

export type DownloadRouteOptions = JourneyDeps;

/** The download page: until when, what and how big, and the link to the file on the API's host. */
export async function downloadRoute(app: FastifyInstance, options: DownloadRouteOptions): Promise<void> {
  app.get<JourneyRoute>(
    urls.download,
    pageHandler(options.render, async (request, reply) => {
      const journey = await loadJourney(request, reply, options);
      if (!journey) return reply;
      const { document } = journey;
      const availableUntil = document.availableUntil
        ? parseAvailableUntil(document.availableUntil)
        : undefined;
      return sendPage(reply, options.render, 200, 'pages/download.njk', {
        service: journey.service,
        contact: journey.contact,
        expiryDate: availableUntil ? formatExpiryDate(availableUntil, ukToday(options.now())) : undefined,
        directFileUrl: document.directFileUrl,
        fileType: prettyFileType(document.fileExtension),
        fileSize: formatFileSize(document.sizeInBytes),
      });
    }),
  );
}
