// A real clamd (scripts/start-clamd.sh, on the project's generated EICAR signature) and the antivirus service
// in front of it on a real port, for the antivirus tests. Never a mock: clamd itself gives every verdict.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildAntivirus } from '../../src/antivirus/app.js';
import type { ClamdClient } from '../../src/antivirus/clamd.js';
import { loadAntivirusConfig, type AntivirusConfig } from '../../src/antivirus/config.js';
import { createLogger } from '../../src/common/logging.js';
import { LogCapture } from './log-capture.js';

export { clamdInstalled, startLocalClamd, type LocalClamd } from '../../src/antivirus/local-clamd.js';

/** The EICAR test file: its published 68 bytes (String.raw keeps the backslash). */
export const EICAR = Buffer.from(
  String.raw`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`,
  'latin1',
);
/** What clamd calls it: the name in the generated .hdb, marked as not from the official databases. */
export const EICAR_SIGNATURE = 'Eicar-Test-Signature.UNOFFICIAL';
export const ANTIVIRUS_KEY = 'antivirus-test-key-0123456789';

export interface RunningAntivirus {
  url: string;
  app: FastifyInstance;
  config: AntivirusConfig;
  logs: LogCapture;
  close(): Promise<void>;
}

/** The antivirus service on 127.0.0.1 (random port) in front of the clamd at `clamdSocket`. */
export async function startAntivirusService(
  clamdSocket: string,
  env: Record<string, string> = {},
  clamd?: ClamdClient,
): Promise<RunningAntivirus> {
  const config = loadAntivirusConfig({
    NOTIFY_ENVIRONMENT: 'production',
    PORT: '0',
    ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
    CLAMD_SOCKET: clamdSocket,
    ...env,
  });
  const logs = new LogCapture();
  const logger = createLogger({ app: 'antivirus-test', level: 'debug', destination: logs });
  const app = await buildAntivirus(config, { logger, ...(clamd ? { clamd } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, config, logs, close: () => app.close() };
}

export interface ScanAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  body: any;
}

/** POST /scan as Notify's antivirus client sends it: multipart, the file in `document`, bearer token. */
export async function scan(
  url: string,
  content: Buffer,
  { filename = 'document', token = ANTIVIRUS_KEY }: { filename?: string; token?: string | null } = {},
): Promise<ScanAnswer> {
  const form = new FormData();
  form.append('document', new Blob([new Uint8Array(content)]), filename);
  const response = await fetch(`${url}/scan`, {
    method: 'POST',
    body: form,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: await response.json() };
}

/** A multipart body written out by hand, for bodies FormData cannot make (streamed, odd, malformed). */
export const BOUNDARY = 'dd-test-boundary-7MA4YWxkTrZu0gW';
export function multipartHead(field = 'document', filename = 'document'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
}
export const MULTIPART_TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
