import type { FastifyInstance } from 'fastify';
import { parseAvailableUntil, ukToday } from '../format.js';
import { contentOf, pageHandler, sendPage } from '../pages.js';
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
      const content = contentOf(request);
      const availableUntil = document.availableUntil
        ? parseAvailableUntil(document.availableUntil)
        : undefined;
      return sendPage(
        reply,
        options.render,
        200,
        'pages/download.njk',
        { service: journey.service, contact: journey.contact },
        {
          expirySentence: availableUntil
            ? content.availableUntil(availableUntil, ukToday(options.now()))
            : undefined,
          directFileUrl: document.directFileUrl,
          downloadLinkText: content.downloadLinkText(document.fileExtension, document.sizeInBytes),
        },
      );
    }),
  );
}
