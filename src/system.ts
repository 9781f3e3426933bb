import type { FastifyInstance } from 'fastify';
import { buildAntivirus } from './antivirus/app.js';
import { loadAntivirusConfig } from './antivirus/config.js';
import { buildApi } from './api/app.js';
import { type ApiConfig, loadApiConfig } from './api/config.js';
import type { DocumentStore } from './api/store/document-store.js';
import { openStore } from './api/store/open-store.js';
import type { Env } from './common/env.js';
import type { Logger } from './common/logging.js';
import { ServicesFile, servicesFilePath } from './directory/services-file.js';
import { buildFrontend } from './frontend/app.js';
import { loadFrontendConfig } from './frontend/config.js';

export interface SystemOptions {
  dataDir: string;
  apiPort: number;
  frontendPort: number;
  /** Shared by the frontend (to sign) and the API's service directory (to verify). */
  adminClientSecret: string;
  /** Extra environment for the API (S3, Redis, tokens...), over the embedded defaults. */
  apiEnv?: Env;
  /** A store to use instead of the one the API's configuration describes. */
  store?: DocumentStore;
  logger: Logger;
  host?: string;
  /** Also run the antivirus service on this port, in front of the clamd at `clamdSocket`, and scan uploads. */
  antivirus?: { port: number; clamdSocket: string };
}

export interface RunningSystem {
  apiUrl: string;
  frontendUrl: string;
  /** When the antivirus service runs too. */
  antivirusUrl?: string;
  apiConfig: ApiConfig;
  servicesFilePath: string;
  close(): Promise<void>;
}

/**
 * The API (with the embedded service directory) and the frontend in this process, wired to each other on
 * localhost, and the antivirus service when asked: what `make run` and the end-to-end tests start.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const host = options.host ?? '127.0.0.1';
  const antivirusConfig = options.antivirus
    ? loadAntivirusConfig({
        NOTIFY_ENVIRONMENT: 'development',
        PORT: String(options.antivirus.port),
        CLAMD_SOCKET: options.antivirus.clamdSocket,
      })
    : undefined;
  const antivirusUrl = antivirusConfig ? `http://localhost:${antivirusConfig.port}` : undefined;
  const apiConfig = loadApiConfig({
    NOTIFY_ENVIRONMENT: 'development',
    DATA_DIR: options.dataDir,
    FRONTEND_HOSTNAME: `localhost:${options.frontendPort}`,
    DOCUMENT_DOWNLOAD_API_HOSTNAME: `localhost:${options.apiPort}`,
    ...(antivirusConfig && antivirusUrl
      ? {
          ANTIVIRUS_ENABLED: 'true',
          ANTIVIRUS_API_HOST: antivirusUrl,
          ANTIVIRUS_API_KEY: antivirusConfig.apiKey,
        }
      : { ANTIVIRUS_ENABLED: 'false' }),
    ...options.apiEnv,
  });
  const frontendConfig = loadFrontendConfig({
    NOTIFY_ENVIRONMENT: 'development',
    PORT: String(options.frontendPort),
    API_HOST_NAME: `http://localhost:${options.apiPort}`,
    ADMIN_CLIENT_SECRET: options.adminClientSecret,
    DOCUMENT_DOWNLOAD_API_HOST_NAME: `http://localhost:${options.apiPort}`,
    SECRET_KEY: `${apiConfig.secretKey}-frontend`,
  });

  const servicesPath = servicesFilePath(options.dataDir);
  const store = options.store ?? (await openStore(apiConfig.store));
  const api = await buildApi(apiConfig, {
    logger: options.logger.child({ app: 'document-download-api' }),
    store,
    serviceDirectory: {
      services: new ServicesFile(servicesPath),
      adminClientSecret: options.adminClientSecret,
    },
  });
  const frontend = await buildFrontend(frontendConfig, {
    logger: options.logger.child({ app: 'document-download-frontend' }),
  });
  const antivirus = antivirusConfig
    ? await buildAntivirus(antivirusConfig, {
        logger: options.logger.child({ app: 'document-download-antivirus' }),
      })
    : undefined;

  const started: FastifyInstance[] = [];
  try {
    if (antivirus && antivirusConfig) {
      await antivirus.listen({ port: antivirusConfig.port, host });
      started.push(antivirus);
    }
    await api.listen({ port: options.apiPort, host });
    started.push(api);
    await frontend.listen({ port: options.frontendPort, host });
    started.push(frontend);
  } catch (error) {
    await Promise.all(started.map((app) => app.close()));
    throw error;
  }
  return {
    apiUrl: `http://localhost:${options.apiPort}`,
    frontendUrl: `http://localhost:${options.frontendPort}`,
    ...(antivirusUrl ? { antivirusUrl } : {}),
    apiConfig,
    servicesFilePath: servicesPath,
    close: async () => {
      await Promise.all([frontend.close(), api.close(), antivirus?.close()]);
    },
  };
}
