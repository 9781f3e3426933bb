// `make run`: the whole system on embedded defaults, a demo service, a sample letter uploaded with email
// confirmation, and the link to open. Ctrl-C stops it.
import { uploadDocument } from './client/upload.js';
import { createLogger } from './common/logging.js';
import { dataDirFrom } from './common/paths.js';
import { ServicesFile, servicesFilePath, writeServicesFile } from './directory/services-file.js';
import { samplePdf } from './dev/sample-pdf.js';
import { startSystem } from './system.js';

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
const uploadToken = env.AUTH_TOKENS?.split(':')[0] || 'dev-upload-token';
const logger = createLogger({ app: 'document-download', level: env.LOG_LEVEL ?? 'warn' });

async function main(): Promise<void> {
  const servicesPath = servicesFilePath(dataDir);
  const services = new ServicesFile(servicesPath);
  if (!services.find(DEMO_SERVICE.id)) writeServicesFile(servicesPath, [...services.list(), DEMO_SERVICE]);

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
      '',
      'Open this link, the one a recipient would get by email:',
      `  ${document.url}`,
      `When asked, confirm the email address: ${DEMO_EMAIL}`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  const stop = async (signal: string) => {
    console.log(`\nStopping (${signal})...`);
    await system.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
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
