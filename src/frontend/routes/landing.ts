import type { FastifyInstance } from 'fastify';
import { pageHandler, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import { type JourneyDeps, type JourneyRoute, loadJourney } from './journey.js';

export type LandingRouteOptions = JourneyDeps;

/** The page a link in an email opens: who sent the file, and the way on (confirm or download). */
export async function landingRoute(app: FastifyInstance, options: LandingRouteOptions): Promise<void> {
  app.get<JourneyRoute>(
    urls.landing,
    pageHandler(options.render, async (request, reply) => {
      const journey = await loadJourney(request, reply, options);
      if (!journey) return reply;
      return sendPage(
        reply,
        options.render,
        200,
        'pages/landing.njk',
        { service: journey.service, contact: journey.contact },
        { continueUrl: journey.document.confirmEmail ? journey.links.confirm : journey.links.download },
      );
    }),
  );
}
