import type { FastifyInstance } from 'fastify';
import { pageHandler, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import { type JourneyDeps, type JourneyRoute, loadJourney } from './journey.js';

export function registerLandingRoute(app: FastifyInstance, deps: JourneyDeps): void {
  app.get<JourneyRoute>(
    urls.landing,
    pageHandler(deps.render, async (request, reply) => {
      const journey = await loadJourney(request, reply, deps);
      if (!journey) return reply;
      return sendPage(reply, deps.render, 200, 'pages/landing.njk', {
        service: journey.service,
        contact: journey.contact,
        continueUrl: journey.document.confirmEmail ? journey.links.confirm : journey.links.download,
      });
    }),
  );
}
