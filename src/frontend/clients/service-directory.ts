import { signNotifyToken } from '../../common/jwt.js';
import { isRecord, type CallContext, type JsonUpstream, UpstreamError } from './upstream.js';

export interface Service {
  name: string;
  contactLink: string;
}

export interface ServiceDirectoryOptions {
  clientId: string;
  clientSecret: string;
  /** Reuse a found service for this long (0: ask every time). */
  cacheTtlMs?: number;
  now?: () => number;
}

/** GOV.UK Notify's API as a directory of services: `GET /service/{id}` with an admin-client JWT. */
export class ServiceDirectoryClient {
  private readonly cache = new Map<string, { service: Service; expires: number }>();
  private token?: { value: string; issuedAt: number };

  constructor(
    private readonly upstream: JsonUpstream,
    private readonly options: ServiceDirectoryOptions,
  ) {}

  /** The service, or undefined when the directory has no such service. */
  async getService(serviceId: string, context: CallContext): Promise<Service | undefined> {
    const now = this.options.now?.() ?? Date.now();
    const cached = this.cache.get(serviceId);
    if (cached && cached.expires > now) return cached.service;

    const response = await this.upstream.request('GET', `/service/${serviceId}`, context, {
      headers: { authorization: `Bearer ${this.bearerToken(now)}` },
    });
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw new UpstreamError(this.upstream.name, `unexpected status ${response.status}`, response.status);
    }
    const service = parseService(response.json);
    if (!service) throw new UpstreamError(this.upstream.name, 'malformed service response', response.status);
    const ttl = this.options.cacheTtlMs ?? 0;
    if (ttl > 0) this.cache.set(serviceId, { service, expires: now + ttl });
    return service;
  }

  /** A token per second is enough: `iat` has one-second resolution. */
  private bearerToken(nowMs: number): string {
    const issuedAt = Math.floor(nowMs / 1000);
    if (this.token?.issuedAt !== issuedAt) {
      this.token = {
        value: signNotifyToken(this.options.clientId, this.options.clientSecret, issuedAt),
        issuedAt,
      };
    }
    return this.token.value;
  }
}

function parseService(json: unknown): Service | undefined {
  if (!isRecord(json) || !isRecord(json.data)) return undefined;
  const { name, contact_link: contactLink } = json.data;
  if (typeof name !== 'string') return undefined;
  return { name, contactLink: typeof contactLink === 'string' ? contactLink : '' };
}
