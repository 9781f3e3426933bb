// `make run`: the whole system on embedded defaults, a demo service, a sample letter uploaded with email
// confirmation, and the link to open. When clamd is installed, uploads are scanned for real: a private clamd on
// the project's test signatures and the antivirus service in front of it. Ctrl-C stops it all.
import { clamdInstalled, startLocalClamd, type LocalClamd } from '../antivirus/local-clamd.js';
import { uploadDocument } from '../upload-client.js';
import { createLogger } from '../common/logging.js';
import { terminalLogDestination } from '../common/terminal-logs.js';
import { dataDirFrom } from '../common/project-files.js';
import { ServicesFile, servicesFilePath, writeServicesFile } from '../directory/services-file.js';
import { samplePdf } from './sample-pdf.js';
import { startSystem } from '../system.js';

const DEMO_SERVICE = {
  id: 'd0c5d0c5-0000-4000-8000-000000000001',
  name: 'Demo Department',
  contact_link: 'https://www.gov.uk/contact',
};
const DEMO_EMAIL = 'you@example.com';

const env = process.env;
const dataDir = dataDirFrom(env.DATA_DIR);
const apiPort = Number(env.API_PORT ?? 7000);
const frontendPort = Number(env.FRONTEND_PORT ?? 7001);
const antivirusPort = Number(env.ANTIVIRUS_PORT ?? 6016);
const uploadToken = env.AUTH_TOKENS?.split(':')[0] || 'dev-upload-token';
// In a terminal, readable log lines (pino-pretty); piped or redirected, JSON lines.
const logger = createLogger({
  app: 'document-download',
  level: env.LOG_LEVEL ?? 'warn',
  destination: await terminalLogDestination(true),
});

/** A private clamd when one can run here; else the one line saying why scanning is off. */
async function startScanner(): Promise<{ clamd: LocalClamd; version: string } | { off: string }> {
  if (env.ANTIVIRUS_ENABLED?.trim().toLowerCase() === 'false') return { off: 'ANTIVIRUS_ENABLED=false' };
  if (!clamdInstalled()) return { off: 'clamd is not installed (make system-deps installs clamav-daemon)' };
  try {
    const clamd = await startLocalClamd();
    return { clamd, version: await clamd.client.version() };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { off: `clamd did not start: ${reason}` };
  }
}

/** How long Ctrl-C waits for answers still being sent. */
const STOP_GRACE_MS = 3000;

async function main(): Promise<void> {
  const servicesPath = servicesFilePath(dataDir);
  const services = new ServicesFile(servicesPath);
  if (!services.find(DEMO_SERVICE.id)) writeServicesFile(servicesPath, [...services.list(), DEMO_SERVICE]);

  const scanner = await startScanner();
  const clamd = 'clamd' in scanner ? scanner.clamd : undefined;
  process.once('exit', () => {
    // Whatever else happens, the private clamd does not outlive make run.
    clamd?.stopNow();
  });

  const system = await startSystem({
    dataDir,
    apiPort,
    frontendPort,
    adminClientSecret: env.ADMIN_CLIENT_SECRET ?? 'dev-notify-secret-key',
    apiEnv: {
      ...pick(env, [
        'DOCUMENT_STORE',
        'DOCUMENTS_BUCKET',
        'AWS_ENDPOINT_URL_S3',
        'REDIS_ENABLED',
        'REDIS_URL',
      ]),
      AUTH_TOKENS: uploadToken,
    },
    ...(clamd ? { antivirus: { port: antivirusPort, clamdSocket: clamd.socketSetting } } : {}),
    logger,
  });

  const document = await uploadDocument({
    apiUrl: system.apiUrl,
    token: uploadToken,
    serviceId: DEMO_SERVICE.id,
    content: samplePdf(['Demo Department', 'Your letter', `Sent ${new Date().toUTCString()}`]),
    filename: 'your-letter.pdf',
    confirmationEmail: DEMO_EMAIL,
  });

  console.log(
    [
      '',
      `Document Download is running: frontend ${system.frontendUrl}, document API ${system.apiUrl}`,
      `Data folder: ${dataDir}`,
      'version' in scanner
        ? `Virus scanning: on (${scanner.version} on the project's test signatures, antivirus API ${system.antivirusUrl}; the EICAR test file is refused)`
        : `Virus scanning: off: ${scanner.off}`,
      '',
      'Open this link, the one a recipient would get by email:',
      `  ${document.url}`,
      `When asked, confirm the email address: ${DEMO_EMAIL}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  const stop = async (signal: NodeJS.Signals) => {
    // SIGHUP: the terminal is gone, and so is anyone to tell.
    if (signal !== 'SIGHUP') console.log(`\nStopping (${signal})...`);
    // The apps wait for the answers they are still sending: a browser or a client that stopped reading a download
    // would hold Ctrl-C for as long as it stays open. They get a few seconds, clamd stops meanwhile, then it ends.
    await Promise.all([
      Promise.race([system.close(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]),
      clamd?.stop(),
    ]);
    process.exit(0);
  };
  // A closed terminal (SIGHUP) stops it too: by default Node would exit at once and leave clamd running.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => void stop(signal));
}

function pick(source: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (source[name] ? [[name, source[name] as string]] : [])));
}

main().catch((error: unknown) => {
  console.error(
    `Could not start Document Download: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
