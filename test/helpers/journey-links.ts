import { recipientPath } from '../../src/common/routes.js';

/** Another page of the journey a recipient link opens (a pattern of `recipientRoutes`), with the link's key. */
export function journeyPageOf(link: string, pattern: string): string {
  const url = new URL(link);
  const [, , service = '', document = ''] = url.pathname.split('/');
  return recipientPath(pattern, { service, document }) + url.search;
}
