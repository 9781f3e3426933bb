import type { Logger } from '../common/logging.js';
import type { FileCheckDeps } from './checks/file-checks.js';
import type { ApiConfig } from './config.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { DocumentStore } from './store/document-store.js';

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
