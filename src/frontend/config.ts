import {
  ConfigError,
  type Env,
  integerVariable,
  isLocalEnvironment,
  requireVariable,
} from '../common/env.js';
import { EMAIL_PATTERN } from '../common/email.js';

export interface FrontendConfig {
  environment: string;
  port: number;
  /** The service directory's base URL (Notify's API, or the document API's embedded one): API_HOST_NAME. */
  serviceDirectoryUrl: string;
  adminClientId: 'notify-admin';
  adminClientSecret: string;
  /** Public base URL of the document API: redirects and the access cookie's domain. */
  documentDownloadApiHostName: string;
  /** Base URL this frontend calls the document API on. */
  documentDownloadApiHostNameInternal: string;
  secretKey: string;
  httpProtocol: 'http' | 'https';
  requestTimeoutMs: number;
  logLevel: string;
  /** How long a service's name and contact link are reused before asking the directory again (0 = never). */
  serviceCacheTtlMs: number;
  /** Who runs these pages and how to reach them, as the accessibility statement says. */
  accessibility: AccessibilityStatementConfig;
}

export interface AccessibilityStatementConfig {
  operatorName: string;
  contactEmail: string;
  /** ISO dates (YYYY-MM-DD): when the statement was prepared and last reviewed. */
  preparedOn: string;
  reviewedOn: string;
}

// Local defaults, matching the ports GOV.UK Notify's own services use in development.
const LOCAL_DEFAULTS = {
  PORT: '7001',
  API_HOST_NAME: 'http://localhost:6011',
  ADMIN_CLIENT_SECRET: 'dev-notify-secret-key',
  DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://localhost:7000',
  SECRET_KEY: 'dev-secret-key-not-for-production',
  ACCESSIBILITY_OPERATOR_NAME: 'The team running this service (development)',
  ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
  ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
} as const;

/**
 * Reads the frontend's configuration once, at start-up. Throws ConfigError with one line on a bad value.
 * HEADER_COLOUR, which Notify's frontend reads for its header, is accepted and ignored: these pages use the
 * GOV.UK header's own colour, so a deployment that sets it keeps working.
 */
export function loadFrontendConfig(env: Env): FrontendConfig {
  const environment = env.NOTIFY_ENVIRONMENT || 'production';
  const local = isLocalEnvironment(environment);
  const required = (name: keyof typeof LOCAL_DEFAULTS) =>
    requireVariable(env, name, local ? LOCAL_DEFAULTS[name] : undefined);

  const documentDownloadApiHostName = baseUrl(
    'DOCUMENT_DOWNLOAD_API_HOST_NAME',
    required('DOCUMENT_DOWNLOAD_API_HOST_NAME'),
  );
  const httpProtocol = env.HTTP_PROTOCOL || 'http';
  if (httpProtocol !== 'http' && httpProtocol !== 'https') {
    throw new ConfigError(`Environment variable HTTP_PROTOCOL must be http or https, not "${httpProtocol}"`);
  }
  return {
    environment,
    port: integerVariable({ PORT: required('PORT') }, 'PORT', 0, { min: 0 }),
    serviceDirectoryUrl: baseUrl('API_HOST_NAME', required('API_HOST_NAME')),
    adminClientId: 'notify-admin',
    adminClientSecret: required('ADMIN_CLIENT_SECRET'),
    documentDownloadApiHostName,
    documentDownloadApiHostNameInternal: env.DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL
      ? baseUrl('DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL', env.DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL)
      : documentDownloadApiHostName,
    secretKey: required('SECRET_KEY'),
    httpProtocol,
    requestTimeoutMs: integerVariable(env, 'HTTP_SERVE_TIMEOUT_SECONDS', 30, { min: 1 }) * 1000,
    logLevel: env.LOG_LEVEL || (local ? 'debug' : 'info'),
    serviceCacheTtlMs: integerVariable(env, 'SERVICE_CACHE_TTL_SECONDS', 30) * 1000,
    accessibility: accessibilityStatement(env, required),
  };
}

function accessibilityStatement(
  env: Env,
  required: (name: keyof typeof LOCAL_DEFAULTS) => string,
): AccessibilityStatementConfig {
  const contactEmail = required('ACCESSIBILITY_CONTACT_EMAIL');
  if (!EMAIL_PATTERN.test(contactEmail)) {
    throw new ConfigError(
      `Environment variable ACCESSIBILITY_CONTACT_EMAIL must be an email address, not "${contactEmail}"`,
    );
  }
  const preparedOn = isoDate(
    'ACCESSIBILITY_STATEMENT_PREPARED_ON',
    required('ACCESSIBILITY_STATEMENT_PREPARED_ON'),
  );
  const reviewedOn = env.ACCESSIBILITY_STATEMENT_REVIEWED_ON
    ? isoDate('ACCESSIBILITY_STATEMENT_REVIEWED_ON', env.ACCESSIBILITY_STATEMENT_REVIEWED_ON)
    : preparedOn;
  return { operatorName: required('ACCESSIBILITY_OPERATOR_NAME'), contactEmail, preparedOn, reviewedOn };
}

function isoDate(name: string, value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match
    ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
    : undefined;
  if (!date || date.getUTCDate() !== Number(match?.[3])) {
    throw new ConfigError(`Environment variable ${name} must be a date as YYYY-MM-DD, not "${value}"`);
  }
  return value;
}

/** An http(s) URL without a trailing slash, so paths can be appended. */
function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`Environment variable ${name} must be a URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Environment variable ${name} must be an http or https URL, not "${value}"`);
  }
  return value.replace(/\/+$/, '');
}
