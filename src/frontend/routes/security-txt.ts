import type { FastifyInstance } from 'fastify';
import { urls } from '../urls.js';

const SECURITY_TXT = 'https://vdp.cabinetoffice.gov.uk/.well-known/security.txt';

/** `/security.txt` and `/.well-known/security.txt`: the Cabinet Office's vulnerability disclosure policy. */
export async function securityTxtRoute(app: FastifyInstance): Promise<void> {
  for (const path of urls.securityTxt) {
    app.get(path, async (_request, reply) => reply.redirect(SECURITY_TXT, 302));
  }
}
