import type { FastifyInstance } from 'fastify';
import { isUuid } from '../common/ids.js';
import { verifyNotifyToken } from '../common/jwt.js';
import type { ServicesFile } from './services-file.js';

export interface ServiceDirectoryOptions {
  services: ServicesFile;
  /** ADMIN_CLIENT_SECRET: the frontend signs its `notify-admin` tokens with it. */
  adminClientSecret: string;
}

/**
 * `GET /service/{id}` in the shape GOV.UK Notify's API answers it, for the frontend's service lookups,
 * guarded by the same admin-client JWT (issuer `notify-admin`, `iat` within 30 seconds).
 */
export async function serviceDirectoryRoutes(
  app: FastifyInstance,
  options: ServiceDirectoryOptions,
): Promise<void> {
  const secrets = { 'notify-admin': options.adminClientSecret };

  app.get<{ Params: { serviceId: string } }>('/service/:serviceId', async (request, reply) => {
    const header = request.headers.authorization;
    if (!header) {
      return reply
        .status(401)
        .send({ result: 'error', message: 'Unauthorized: authentication token must be provided' });
    }
    const token = /^Bearer (\S+)$/.exec(header)?.[1];
    const check = token
      ? await verifyNotifyToken(token, secrets)
      : { ok: false as const, reason: 'malformed header' };
    if (!check.ok) {
      return reply.status(403).send({ result: 'error', message: `Invalid token: ${check.reason}` });
    }
    const { serviceId } = request.params;
    const service = isUuid(serviceId) ? options.services.find(serviceId) : undefined;
    if (!service) return reply.status(404).send({ result: 'error', message: 'No result found' });
    return reply.send({
      data: { id: service.id, name: service.name, contact_link: service.contact_link, active: true },
    });
  });
}
