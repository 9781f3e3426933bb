import {
  ConfigError,
  booleanVariable,
  integerVariable,
  isLocalEnvironment,
  requireVariable,
  type Env,
} from '../common/env.js';
import { dataDirFrom, projectPath } from '../common/project-files.js';

/**
 * Where documents are kept. `dataDir` is in both: the local store keeps documents in `{dataDir}/documents`,
 * and without Redis the authenticate rate limit keeps its counters in `{dataDir}/rate-limits`, whatever the store.
 */
export type StoreConfig =
  | { kind: 'local'; dataDir: string }
  | {
      kind: 's3';
      dataDir: string;
      bucket: string;
      region: string;
      /** Another S3 endpoint than AWS's (radosgw, MinIO...). */
      endpoint?: string;
      /** The largest document a streamed upload writes (MAX_STREAMED_FILE_SIZE): sets the multipart part size. */
      maxObjectBytes: number;
    };

export type StoreKind = StoreConfig['kind'];

/** The document API's configuration: read once from the environment at start-up, then passed down. */
export interface ApiConfig {
  environment: string;
  /** Listen port for the server runtime (PORT; `entrypoint.sh api` insists on it, default 7000). */
  port: number;
  /** Time to answer (the response headers) before a 504 (HTTP_SERVE_TIMEOUT_SECONDS, default 30). */
  requestTimeoutMs: number;
  logLevel: string;
  /** Bearer tokens that sending services (Notify's API) present on upload and file checks. */
  authTokens: string[];
  /** Signs the access token (`signed_data`) that the frontend keeps in the download cookie. */
  secretKey: string;
  /** Host (and port) of the recipient frontend, for recipient links. */
  frontendHostname: string;
  /** Public host (and port) of this API, for direct file URLs. */
  apiHostname: string;
  httpScheme: 'http' | 'https';
  redis: { enabled: boolean; url: string };
  antivirus: { enabled: boolean; host: string; apiKey: string; timeoutMs: number };
  store: StoreConfig;
  rateLimit: { limit: number; intervalSeconds: number };
  limits: {
    /** Largest accepted request body (the base64 JSON), bytes. */
    maxContentLength: number;
    /** Largest accepted decoded file, bytes. */
    maxDecodedFileSize: number;
    /** Largest file of a streamed (multipart) upload, bytes (MAX_STREAMED_FILE_SIZE). */
    maxStreamedFileSize: number;
  };
  /** How slow a streamed upload may be before it is cut off (it is not held to the fixed request deadline). */
  uploadPace: {
    /** No byte for this long ends it (UPLOAD_STALL_TIMEOUT_SECONDS). */
    stallTimeoutMs: number;
    /** Fewer bytes a second than this, averaged over `windowMs`, ends it (UPLOAD_MIN_BYTES_PER_SECOND). */
    minBytesPerSecond: number;
    /** The window the rate is averaged over (UPLOAD_MIN_RATE_WINDOW_SECONDS). */
    windowMs: number;
  };
  /** Retention given to documents uploaded without `retention_period`. */
  defaultRetentionPeriod: string;
  /** SERVICES_FILE: serve GOV.UK Notify's `GET /service/{id}` from it, for frontends signing with ADMIN_CLIENT_SECRET. */
  serviceDirectory?: { servicesFile: string; adminClientSecret: string };
}

const MIB = 1024 * 1024;

export function loadApiConfig(env: Env): ApiConfig {
  // Unset means production-like, as for the frontend: a deployment that forgets it must not get dev secrets.
  const environment = env.NOTIFY_ENVIRONMENT?.trim() || 'production';
  const local = isLocalEnvironment(environment);
  const dev = (value: string): string | undefined => (local ? value : undefined);

  const authTokens = requireVariable(env, 'AUTH_TOKENS', dev('auth-token'))
    .split(':')
    .map((token) => token.trim())
    .filter((token) => token !== '');
  if (authTokens.length === 0) throw new ConfigError('Environment variable AUTH_TOKENS has no tokens');

  const httpScheme = (env.HTTP_SCHEME?.trim() || (local ? 'http' : 'https')).toLowerCase();
  if (httpScheme !== 'http' && httpScheme !== 'https') {
    throw new ConfigError(`Environment variable HTTP_SCHEME must be http or https, not "${httpScheme}"`);
  }

  const antivirusEnabled = booleanVariable(env, 'ANTIVIRUS_ENABLED', !local);
  const storeKind = (env.DOCUMENT_STORE?.trim() || 'local').toLowerCase();
  if (storeKind !== 'local' && storeKind !== 's3') {
    throw new ConfigError(`Environment variable DOCUMENT_STORE must be local or s3, not "${storeKind}"`);
  }

  const retentionWeeks = integerVariable(env, 'DEFAULT_RETENTION_WEEKS', 26, { min: 1 });
  if (retentionWeeks > 78)
    throw new ConfigError('Environment variable DEFAULT_RETENTION_WEEKS must be 78 or less');

  const maxStreamedFileSize = integerVariable(env, 'MAX_STREAMED_FILE_SIZE', 100 * MIB, { min: 1 });
  const config: ApiConfig = {
    environment,
    port: integerVariable(env, 'PORT', 7000, { min: 0 }),
    requestTimeoutMs: integerVariable(env, 'HTTP_SERVE_TIMEOUT_SECONDS', 30, { min: 1 }) * 1000,
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    authTokens,
    secretKey: requireVariable(env, 'SECRET_KEY', dev('secret-key')),
    frontendHostname: requireVariable(env, 'FRONTEND_HOSTNAME', dev('localhost:7001')),
    apiHostname: requireVariable(env, 'DOCUMENT_DOWNLOAD_API_HOSTNAME', dev('localhost:7000')),
    httpScheme,
    redis: {
      enabled: booleanVariable(env, 'REDIS_ENABLED', false),
      url: env.REDIS_URL?.trim() || 'redis://localhost:6379',
    },
    antivirus: {
      enabled: antivirusEnabled,
      host: antivirusEnabled
        ? requireVariable(env, 'ANTIVIRUS_API_HOST', dev('http://localhost:6016')).replace(/\/+$/, '')
        : env.ANTIVIRUS_API_HOST?.trim() || 'http://localhost:6016',
      apiKey: antivirusEnabled
        ? requireVariable(env, 'ANTIVIRUS_API_KEY', dev('test-key'))
        : (env.ANTIVIRUS_API_KEY ?? ''),
      timeoutMs: integerVariable(env, 'ANTIVIRUS_API_TIMEOUT_SECONDS', 30, { min: 1 }) * 1000,
    },
    store: storeConfig(storeKind, env, maxStreamedFileSize),
    rateLimit: {
      limit: integerVariable(env, 'DOCUMENT_AUTHENTICATION_RATE_LIMIT', 50, { min: 1 }),
      intervalSeconds: integerVariable(env, 'DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS', 300, { min: 1 }),
    },
    limits: {
      maxContentLength: integerVariable(env, 'MAX_CONTENT_LENGTH', 3 * MIB, { min: 1024 }),
      maxDecodedFileSize: integerVariable(env, 'MAX_DECODED_FILE_SIZE', 2 * MIB + 1024, { min: 1 }),
      maxStreamedFileSize,
    },
    uploadPace: {
      stallTimeoutMs: integerVariable(env, 'UPLOAD_STALL_TIMEOUT_SECONDS', 15, { min: 1 }) * 1000,
      minBytesPerSecond: integerVariable(env, 'UPLOAD_MIN_BYTES_PER_SECOND', 16 * 1024, { min: 0 }),
      windowMs: integerVariable(env, 'UPLOAD_MIN_RATE_WINDOW_SECONDS', 30, { min: 1 }) * 1000,
    },
    defaultRetentionPeriod: `${retentionWeeks} weeks`,
  };
  const servicesFile = env.SERVICES_FILE?.trim();
  if (servicesFile) {
    config.serviceDirectory = {
      servicesFile: projectPath(servicesFile),
      adminClientSecret: requireVariable(env, 'ADMIN_CLIENT_SECRET', dev('dev-notify-secret-key')),
    };
  }
  if (!local && config.secretKey.length < 16) {
    throw new ConfigError(
      'Environment variable SECRET_KEY must be at least 16 characters outside development',
    );
  }
  return config;
}

function storeConfig(kind: StoreKind, env: Env, maxObjectBytes: number): StoreConfig {
  const dataDir = dataDirFrom(env.DATA_DIR);
  if (kind === 'local') return { kind, dataDir };
  const endpoint = env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim();
  return {
    kind,
    dataDir,
    bucket: requireVariable(env, 'DOCUMENTS_BUCKET'),
    region: env.AWS_REGION?.trim() || 'eu-west-1',
    ...(endpoint ? { endpoint } : {}),
    maxObjectBytes,
  };
}

/**
 * The variables that choose and reach the document store, and the rate-limit counters kept beside it (the S3
 * SDK reads its credentials, AWS_ACCESS_KEY_ID and the like, from the environment itself).
 */
export const STORAGE_VARIABLES = [
  'DATA_DIR',
  'DOCUMENT_STORE',
  'DOCUMENTS_BUCKET',
  'AWS_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'REDIS_ENABLED',
  'REDIS_URL',
  'DOCUMENT_AUTHENTICATION_RATE_LIMIT',
  'DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS',
] as const;

/**
 * The API's configuration for commands that work on the store directly (block, unblock, purge): only the
 * storage variables are read, read as the API reads them (a wrong one is a ConfigError naming it), and every
 * other setting is its development default. Use its `store`, `redis` and `rateLimit` only.
 */
export function loadStorageConfig(env: Env): ApiConfig {
  const storageEnv: Record<string, string | undefined> = { NOTIFY_ENVIRONMENT: 'development' };
  for (const name of STORAGE_VARIABLES) storageEnv[name] = env[name];
  return loadApiConfig(storageEnv);
}
