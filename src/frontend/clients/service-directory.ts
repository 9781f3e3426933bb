import { LRUCache } from 'lru-cache';
import { signNotifyToken } from '../../common/jwt.js';
import { isRecord } from '../../common/json.js';
import { type CallContext, type JsonUpstream, unexpectedStatus, UpstreamError } from './upstream.js';

export interface Service {
  name: string;
  contactLink: string;
}

export interface ServiceDirectoryOptions {
  clientId: string;
  clientSecret: string;
  /**
   * Reuse what the directory said about a service for at most this long (0: ask on every request, which is
   * what Notify's frontend does). An unknown service is remembered for at most NOT_FOUND_TTL_MS of it.
   */
  cacheTtlMs?: number;
  /** How many services each cache (found, not found) holds at most; the least recently used go first. */
  cacheMaxEntries?: number;
  now?: () => number;
}

/** Long enough to absorb a burst of requests for a made-up service id, short enough not to hide a new one. */
export const NOT_FOUND_TTL_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;
const NOT_FOUND = 'not-found' as const;

/** GOV.UK Notify's API as a directory of services: `GET /service/{id}` with an admin-client JWT. */
export class ServiceDirectoryClient {
  // Separate caches, so that a flood of made-up ids cannot push the real services out.
  private readonly found?: LRUCache<string, Service>;
  private readonly notFound?: LRUCache<string, typeof NOT_FOUND>;
  private readonly now: () => number;
  private token?: { value: string; issuedAt: number };

  constructor(
    private readonly upstream: JsonUpstream,
    private readonly options: ServiceDirectoryOptions,
  ) {
    const now = options.now ?? Date.now;
    this.now = now;
    const ttl = options.cacheTtlMs ?? 0;
    if (ttl > 0) {
      const common = {
        max: options.cacheMaxEntries ?? DEFAULT_MAX_ENTRIES,
        // Entries are checked against the clock on every read (resolution 0: no timestamp reused for a
        // moment), so nothing is served past its TTL; the bound on entries does the rest, no purge timers.
        ttlResolution: 0,
        ttlAutopurge: false,
        perf: { now },
      };
      this.found = new LRUCache({ ...common, ttl });
      this.notFound = new LRUCache({ ...common, ttl: Math.min(ttl, NOT_FOUND_TTL_MS) });
    }
  }

  /** The service, or undefined when the directory has no such service. */
  async getService(serviceId: string, context: CallContext): Promise<Service | undefined> {
    const cached = this.found?.get(serviceId);
    if (cached) return cached;
    if (this.notFound?.has(serviceId)) return undefined;

    const askedAt = this.now();
    const response = await this.upstream.request('GET', `/service/${serviceId}`, context, {
      headers: { authorization: `Bearer ${this.bearerToken(askedAt)}` },
    });
    if (response.status === 404) {
      this.remember(this.notFound, serviceId, NOT_FOUND, askedAt);
      return undefined;
    }
    if (response.status !== 200) {
      throw unexpectedStatus(this.upstream.name, response.status);
    }
    const service = parseService(response.json);
    if (!service) throw new UpstreamError(this.upstream.name, 'malformed service response', response.status);
    this.remember(this.found, serviceId, service, askedAt);
    return service;
  }

  /** The TTL counts from when the directory was asked, not from when it answered. */
  private remember<V extends object | string>(
    cache: LRUCache<string, V> | undefined,
    serviceId: string,
    value: V,
    askedAt: number,
  ): void {
    if (!cache) return;
    const remaining = askedAt + cache.ttl - this.now();
    if (remaining > 0) cache.set(serviceId, value, { ttl: remaining });
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
