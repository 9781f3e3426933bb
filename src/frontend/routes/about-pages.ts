import type { FastifyInstance } from 'fastify';
import type { AccessibilityStatementConfig } from '../config.js';
import { COOKIES_WE_SET } from '../cookies-we-set.js';
import { parseAvailableUntil } from '../format.js';
import { contentOf, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import type { Renderer } from '../views.js';

export interface AboutPagesRouteOptions {
  render: Renderer;
  accessibility: AccessibilityStatementConfig;
}

/** The accessibility statement and the cookies page: the same for every document, so no key and no upstream. */
export async function aboutPagesRoute(app: FastifyInstance, options: AboutPagesRouteOptions): Promise<void> {
  const { accessibility } = options;
  app.get(urls.accessibilityStatement, async (request, reply) => {
    const content = contentOf(request);
    const date = (iso: string) => content.date(parseAvailableUntil(iso) as Date);
    return sendPage(reply, options.render, 200, 'pages/accessibility-statement.njk', {
      operatorName: accessibility.operatorName,
      operatorContact: accessibility.contactEmail,
      preparedDate: date(accessibility.preparedOn),
      reviewedDate: date(accessibility.reviewedOn),
    });
  });
  app.get(urls.cookies, async (_request, reply) =>
    sendPage(reply, options.render, 200, 'pages/cookies.njk', { cookies: COOKIES_WE_SET }),
  );
}
