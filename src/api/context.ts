import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import { join } from 'node:path';
import type { Logger } from '../common/logging.js';
import type { ServiceDirectoryOptions } from '../directory/routes.js';
import { ServicesFile } from '../directory/services-file.js';
import { AntivirusClient, type AntivirusScanner } from './checks/antivirus.js';
import type { FileCheckDeps } from './checks/check-file.js';
import {
  MemoryCheckResultCache,
  RedisCheckResultCache,
  type CheckResultCache,
} from './checks/result-cache.js';
import type { ApiConfig } from './config.js';
import { FileRateLimiter } from './limits/file-limiter.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import { RedisRateLimiter } from './limits/redis-limiter.js';
import type { DocumentStore } from './store/document-store.js';
import { LocalDocumentStore } from './store/local-store.js';
import { localDocumentsRoot } from './store/open-store.js';

/** What every route is given: plain services, no I/O details. */
export interface ApiContext {
  config: ApiConfig;
  logger: Logger;
  store: DocumentStore;
  rateLimiter: RateLimiter;
  checks: FileCheckDeps;
  now: () => Date;
  /** The service a per-service upload token belongs to (from the services file), when there is one. */
  serviceForToken?: (token: string) => string | undefined;
}

/** What the caller of `buildApi` may pass in instead of what the configuration would make. */
export interface ApiDeps {
  logger: Logger;
  /** Defaults to the local encrypted store in `{DATA_DIR}/documents` (an S3 store is passed in by the caller). */
  store?: DocumentStore;
  /** Defaults to Redis when enabled, else the file-based limiter in `{DATA_DIR}/rate-limits`. */
  rateLimiter?: RateLimiter;
  checkCache?: CheckResultCache;
  /** `null` turns antivirus off whatever the config says; defaults to the configured client. */
  antivirus?: AntivirusScanner | null;
  /** A Redis connection to use instead of opening one from REDIS_URL. */
  redis?: Redis;
  now?: () => Date;
  /** Plugins registered before the routes (the server runtime's metrics, say); the app is ready on return. */
  plugins?: FastifyPluginAsync[];
  /** Serve GOV.UK Notify's `GET /service/{id}` from a services file (the embedded service directory). */
  serviceDirectory?: ServiceDirectoryOptions;
}

/** Whether the configuration asks for a Redis connection that the caller did not pass in parts for. */
export function needsRedis(deps: ApiDeps): boolean {
  return !deps.rateLimiter || !deps.checkCache;
}

/** The embedded service directory, when passed in or configured (SERVICES_FILE). */
export function serviceDirectoryOptions(
  config: ApiConfig,
  deps: ApiDeps,
): ServiceDirectoryOptions | undefined {
  if (deps.serviceDirectory) return deps.serviceDirectory;
  if (!config.serviceDirectory) return undefined;
  return {
    services: new ServicesFile(config.serviceDirectory.servicesFile),
    adminClientSecret: config.serviceDirectory.adminClientSecret,
  };
}

/**
 * The routes' services: those passed in, else made from the configuration (Redis-backed when connected). The
 * local store is opened as at start-up: what writers that died left behind is removed before the first request.
 */
export async function buildApiContext(
  config: ApiConfig,
  deps: ApiDeps,
  redis: Redis | undefined,
  serviceDirectory: ServiceDirectoryOptions | undefined,
): Promise<ApiContext> {
  const rateLimit = { limit: config.rateLimit.limit, intervalSeconds: config.rateLimit.intervalSeconds };
  const useRedis = redis !== undefined && config.redis.enabled;
  return {
    config,
    logger: deps.logger,
    store: deps.store ?? (await LocalDocumentStore.open({ root: localDocumentsRoot(config.store.dataDir) })),
    rateLimiter:
      deps.rateLimiter ??
      (useRedis
        ? new RedisRateLimiter(redis, rateLimit)
        : new FileRateLimiter(join(config.store.dataDir, 'rate-limits'), rateLimit)),
    checks: {
      antivirus:
        deps.antivirus === null
          ? undefined
          : (deps.antivirus ??
            (config.antivirus.enabled ? new AntivirusClient(config.antivirus) : undefined)),
      cache: deps.checkCache ?? (useRedis ? new RedisCheckResultCache(redis) : new MemoryCheckResultCache()),
    },
    now: deps.now ?? (() => new Date()),
    ...(serviceDirectory
      ? { serviceForToken: (token: string) => serviceDirectory.services.serviceForToken(token)?.id }
      : {}),
  };
}
