/**
 * One process of the frontend app (buildFrontend listening directly on 127.0.0.1), pointed at the upstreams
 * given as arguments, logging at info level (one access line a request) to /dev/null — the work of logging is
 * kept, the disk is not involved. Told `{profile: 'start'}` and `{profile: {stop: PATH}}`, it records a V8 CPU
 * profile of that window into PATH.
 *
 *   frontend-server.ts SERVICE_DIRECTORY_URL DOCUMENT_API_URL
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { createLogger } from '../../src/common/logging.js';
import { buildFrontend } from '../../src/frontend/app.js';
import { loadFrontendConfig } from '../../src/frontend/config.js';
import { reportReady } from './child.js';

const [apiUrl, documentApiUrl] = process.argv.slice(2);
if (!apiUrl || !documentApiUrl)
  throw new Error('usage: frontend-server.ts SERVICE_DIRECTORY_URL DOCUMENT_API_URL');

const config = loadFrontendConfig({
  NOTIFY_ENVIRONMENT: 'production',
  PORT: '0',
  API_HOST_NAME: apiUrl,
  ADMIN_CLIENT_SECRET: 'bench-admin-secret',
  DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://localhost:7000',
  DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: documentApiUrl,
  SECRET_KEY: 'bench-secret-key',
  ACCESSIBILITY_OPERATOR_NAME: 'Document Download benchmarks',
  ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
  ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
  SERVICE_CACHE_TTL_SECONDS: process.env.SERVICE_CACHE_TTL_SECONDS ?? '0',
});
const logger = createLogger({
  app: 'frontend-bench',
  level: 'info',
  destination: pino.destination('/dev/null'),
});
const app = await buildFrontend(config, { logger });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('no TCP address');
reportReady(address.port, () => app.close());

// On request, V8's CPU profiler (what `node --cpu-prof` uses) over just the measured window: no start-up.
const inspector = new Session();
process.on('message', (message: unknown) => {
  if (typeof message !== 'object' || message === null) return;
  const { profile } = message as { profile?: 'start' | { stop: string } };
  if (profile === 'start') {
    inspector.connect();
    void inspector
      .post('Profiler.enable')
      .then(() => inspector.post('Profiler.setSamplingInterval', { interval: 200 }))
      .then(() => inspector.post('Profiler.start'))
      .then(() => process.send?.({ profiling: true }));
  } else if (profile && typeof profile === 'object') {
    void inspector.post('Profiler.stop').then(({ profile: result }) => {
      writeFileSync(profile.stop, JSON.stringify(result));
      inspector.disconnect();
      process.send?.({ profiled: profile.stop });
    });
  }
});
