import {
  ConfigError,
  integerVariable,
  isLocalEnvironment,
  requireVariable,
  type Env,
} from '../common/env.js';

/** Where clamd listens: its Unix socket (LocalSocket) or a TCP address (TCPSocket/TCPAddr). */
export type ClamdAddress = { path: string } | { host: string; port: number };

/** The antivirus service's configuration: read once from the environment at start-up, then passed down. */
export interface AntivirusConfig {
  environment: string;
  /** Listen port (PORT; 6016 locally, the port Notify's document API expects its antivirus on). */
  port: number;
  /** Request deadline (HTTP_SERVE_TIMEOUT_SECONDS, default 30): 504 past it. */
  requestTimeoutMs: number;
  logLevel: string;
  /** The bearer token callers present (ANTIVIRUS_API_KEY, the document API's setting of the same name). */
  apiKey: string;
  clamd: {
    address: ClamdAddress;
    /** One clamd exchange, connect to verdict (CLAMD_TIMEOUT_SECONDS, default 20): 503 past it. */
    timeoutMs: number;
  };
  /**
   * Largest file accepted for a scan: 413 above it. The larger of the document API's two file limits, read
   * from the same variables (MAX_STREAMED_FILE_SIZE for multipart uploads, MAX_DECODED_FILE_SIZE for JSON),
   * so one setting drives the API and its scanner.
   */
  maxFileSize: number;
}

/** The document API's defaults for its multipart and JSON uploads' file limits. */
export const DEFAULT_MAX_STREAMED_FILE_SIZE = 100 * 1024 * 1024;
export const DEFAULT_MAX_DECODED_FILE_SIZE = 2 * 1024 * 1024 + 1024;

/** Debian's clamav-daemon socket, which Notify's antivirus app also uses. */
export const DEFAULT_CLAMD_SOCKET = '/var/run/clamav/clamd.ctl';

export function loadAntivirusConfig(env: Env): AntivirusConfig {
  const environment = env.NOTIFY_ENVIRONMENT?.trim() || 'production';
  const local = isLocalEnvironment(environment);
  const requestTimeoutMs = integerVariable(env, 'HTTP_SERVE_TIMEOUT_SECONDS', 30, { min: 1 }) * 1000;
  const clamdTimeoutMs =
    integerVariable(env, 'CLAMD_TIMEOUT_SECONDS', Math.min(20, requestTimeoutMs / 1000), { min: 1 }) * 1000;
  return {
    environment,
    port: integerVariable({ PORT: requireVariable(env, 'PORT', local ? '6016' : undefined) }, 'PORT', 0),
    requestTimeoutMs,
    logLevel: env.LOG_LEVEL?.trim() || (local ? 'debug' : 'info'),
    apiKey: requireVariable(env, 'ANTIVIRUS_API_KEY', local ? 'test-key' : undefined),
    clamd: {
      address: parseClamdAddress(env.CLAMD_SOCKET?.trim() || DEFAULT_CLAMD_SOCKET),
      timeoutMs: clamdTimeoutMs,
    },
    maxFileSize: Math.max(
      integerVariable(env, 'MAX_STREAMED_FILE_SIZE', DEFAULT_MAX_STREAMED_FILE_SIZE, { min: 1 }),
      integerVariable(env, 'MAX_DECODED_FILE_SIZE', DEFAULT_MAX_DECODED_FILE_SIZE, { min: 1 }),
    ),
  };
}

/** CLAMD_SOCKET: a socket path (`/run/clamav/clamd.ctl`) or `tcp://host:port`. */
export function parseClamdAddress(value: string): ClamdAddress {
  if (!value.startsWith('tcp://')) return { path: value };
  const match = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(
      `Environment variable CLAMD_SOCKET must be a socket path or tcp://host:port, not "${value}"`,
    );
  }
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** For logs and the status page: the socket path or host:port. */
export function describeClamdAddress(address: ClamdAddress): string {
  return 'path' in address ? address.path : `${address.host}:${address.port}`;
}
