#!/usr/bin/env node
// document-download: upload a file, manage the services file, block or unblock a document, purge expired ones.
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { JSON_UPLOAD_LIMIT, UPLOAD_LANGUAGES, type UploadLanguage, uploadDocument } from './upload-client.js';
import { isUuid } from './common/ids.js';
import { ServicesFile, servicesFilePath, writeServicesFile } from './directory/services-file.js';
import { dataDirFrom, projectPath } from './common/project-files.js';

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `Usage: document-download <command> [options]

Commands:
  upload FILE --service ID     upload a file and print its recipient link and ids (--json for scripts)
  services add|list            manage the services file (the embedded service directory)
  block SERVICE DOCUMENT       stop all access to a document
  unblock SERVICE DOCUMENT     allow access again
  purge                        delete every expired document and say how many

Run "document-download <command> --help" for a command's options. block, unblock and purge read only the
storage variables of the API's environment (DATA_DIR, default ./data as for make run; DOCUMENT_STORE,
DOCUMENTS_BUCKET, AWS_*, REDIS_*); services uses $SERVICES_FILE or DATA_DIR.`,
  upload: `Usage: document-download upload FILE --service ID [options]

Prints the recipient link (the url to put in the email), the service id and document id (what block and
unblock take), the direct file URL and the detected file type, one labelled line each. A file up to
${JSON_UPLOAD_LIMIT} bytes (2 MiB + 1 KiB) is sent as Notify's API sends it (base64 JSON); a larger one is
streamed from disk as a multipart form (up to the API's MAX_STREAMED_FILE_SIZE, 100 MiB by default).

Options:
  --service ID           the sending service's id (UUID)
  --confirm-email ADDR   ask the recipient to confirm this email address first
  --retention "N weeks"  keep the file for N weeks (1 to 78)
  --filename NAME        the name the recipient's download gets (default: FILE's name)
  --csv                  treat a text file as CSV
  --language en|cy       the language of the recipient's pages (default: English)
  --api URL              document API base URL (default $DOCUMENT_DOWNLOAD_API_URL or http://localhost:7000)
  --token TOKEN          upload token (default: the first of $AUTH_TOKENS, or dev-upload-token)
  --json                 print one JSON object instead, for scripts:
                         {"service_id", "document_id", "url", "direct_file_url", "mimetype"}`,
  services: `Usage:
  document-download services list
  document-download services add --name NAME --contact LINK [--id UUID] [--upload-token TOKEN]

The services file is $SERVICES_FILE, or services.json in $DATA_DIR (default ./data).
--contact is an email address, a web address, or a phone number.`,
  block: `Usage: document-download block SERVICE_ID DOCUMENT_ID

Sets the document's blocked flag: every access is refused (403) until "unblock". "upload" prints both ids.
Reads only the storage variables (DATA_DIR, default ./data; DOCUMENT_STORE, DOCUMENTS_BUCKET, AWS_*, REDIS_*).`,
  unblock: `Usage: document-download unblock SERVICE_ID DOCUMENT_ID

Clears the document's blocked flag. Reads only the storage variables, as "block" does.`,
  purge: `Usage: document-download purge

Deletes every document past its expiry from the configured store and reports how many.
Reads only the storage variables, as "block" does.`,
};

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return command ? 0 : 1;
  }
  if (!(command in HELP) || command === 'main')
    throw new UsageError(`unknown command "${command}" (see --help)`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(HELP[command]);
    return 0;
  }
  switch (command) {
    case 'upload':
      return upload(rest, env);
    case 'services':
      return services(rest, env);
    case 'block':
    case 'unblock':
      return block(rest, env, command === 'block');
    case 'purge':
      return purge(rest, env);
  }
  return 1;
}

async function upload(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parse(args, {
    service: { type: 'string' },
    'confirm-email': { type: 'string' },
    retention: { type: 'string' },
    filename: { type: 'string' },
    csv: { type: 'boolean' },
    language: { type: 'string' },
    api: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
  });
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw new UsageError('give exactly one FILE to upload');
  const serviceId = values.service;
  if (!serviceId || !isUuid(serviceId)) throw new UsageError('--service must be the service id (a UUID)');
  const language = values.language;
  if (language !== undefined && !(UPLOAD_LANGUAGES as readonly string[]).includes(language)) {
    throw new UsageError(`--language must be ${UPLOAD_LANGUAGES.join(' or ')}`);
  }
  if (!readableFile(file)) throw new UsageError(`cannot read ${file}`);
  const document = await uploadDocument({
    apiUrl: values.api ?? env.DOCUMENT_DOWNLOAD_API_URL ?? 'http://localhost:7000',
    token: values.token ?? (env.AUTH_TOKENS?.split(':')[0] || 'dev-upload-token'),
    serviceId,
    path: file,
    filename: values.filename ?? basename(file),
    ...(values['confirm-email'] !== undefined ? { confirmationEmail: values['confirm-email'] } : {}),
    ...(values.retention !== undefined ? { retentionPeriod: values.retention } : {}),
    ...(values.csv ? { isCsv: true } : {}),
    ...(language !== undefined ? { language: language as UploadLanguage } : {}),
  });
  const uploaded = {
    service_id: serviceId.toLowerCase(),
    document_id: document.id,
    url: document.url,
    direct_file_url: document.direct_file_url,
    mimetype: document.mimetype,
  };
  console.log(
    values.json
      ? JSON.stringify(uploaded)
      : [
          `Recipient link:  ${uploaded.url}`,
          `Service id:      ${uploaded.service_id}`,
          `Document id:     ${uploaded.document_id}`,
          `Direct file URL: ${uploaded.direct_file_url}`,
          `File type:       ${uploaded.mimetype}`,
        ].join('\n'),
  );
  return 0;
}

/** Whether `path` is a file this process can open for reading (the upload then streams it). */
function readableFile(path: string): boolean {
  try {
    const descriptor = openSync(path, 'r');
    try {
      return fstatSync(descriptor).isFile();
    } finally {
      closeSync(descriptor);
    }
  } catch {
    return false;
  }
}

function services(args: string[], env: NodeJS.ProcessEnv): number {
  const [action, ...rest] = args;
  const path = configuredServicesFile(env);
  const file = new ServicesFile(path);
  if (action === 'list') {
    parse(rest, {});
    for (const service of file.list()) {
      const tokens = service.upload_tokens?.length
        ? `  (${service.upload_tokens.length} upload token(s))`
        : '';
      console.log(`${service.id}  ${service.name}  ${service.contact_link}${tokens}`);
    }
    return 0;
  }
  if (action !== 'add') throw new UsageError('use "services add" or "services list"');
  const { values } = parse(rest, {
    name: { type: 'string' },
    contact: { type: 'string' },
    id: { type: 'string' },
    'upload-token': { type: 'string', multiple: true },
  });
  if (!values.name?.trim()) throw new UsageError('--name is required');
  if (values.contact === undefined) throw new UsageError('--contact is required');
  const id = (values.id ?? randomUUID()).toLowerCase();
  if (!isUuid(id)) throw new UsageError('--id must be a UUID');
  if (file.find(id)) throw new UsageError(`a service with id ${id} already exists`);
  const record = {
    id,
    name: values.name.trim(),
    contact_link: values.contact,
    ...(values['upload-token']?.length ? { upload_tokens: values['upload-token'] } : {}),
  };
  writeServicesFile(path, [...file.list(), record]);
  console.log(id);
  return 0;
}

async function block(args: string[], env: NodeJS.ProcessEnv, blocked: boolean): Promise<number> {
  const { positionals } = parse(args, {});
  const [serviceId, documentId, ...extra] = positionals;
  if (!serviceId || !documentId || extra.length > 0 || !isUuid(serviceId) || !isUuid(documentId)) {
    throw new UsageError('give the SERVICE_ID and DOCUMENT_ID (UUIDs)');
  }
  const { store } = await configuredStore(env);
  try {
    await store.setBlocked(serviceId.toLowerCase(), documentId.toLowerCase(), blocked);
  } catch (error) {
    if (error instanceof Error && error.name === 'DocumentNotFoundError')
      throw new UsageError(`no document ${documentId} for service ${serviceId}`);
    throw error;
  }
  console.log(`${blocked ? 'Blocked' : 'Unblocked'} document ${documentId}`);
  return 0;
}

async function purge(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  parse(args, {});
  const { config, store } = await configuredStore(env);
  const count = await store.purgeExpired(new Date());
  console.log(`Deleted ${count} expired document${count === 1 ? '' : 's'}`);
  if (!config.redis.enabled) {
    // Without Redis the authenticate rate limit keeps small counter folders on disk: drop the stale ones.
    const { FileRateLimiter } = await import('./api/limits/file-limiter.js');
    const limiter = new FileRateLimiter(join(config.store.dataDir, 'rate-limits'), config.rateLimit);
    const folders = await limiter.purge();
    if (folders > 0) console.log(`Removed ${folders} stale rate-limit folder${folders === 1 ? '' : 's'}`);
  }
  return 0;
}

/**
 * The store the API's storage variables configure (nothing else of the API's environment is needed); loaded
 * on demand, as the S3 SDK is slow to import.
 */
async function configuredStore(env: NodeJS.ProcessEnv) {
  const [{ loadStorageConfig }, { openStore }] = await Promise.all([
    import('./api/config.js'),
    import('./api/store/open-store.js'),
  ]);
  const config = loadStorageConfig(env);
  return { config, store: await openStore(config.store) };
}

function configuredServicesFile(env: NodeJS.ProcessEnv): string {
  return env.SERVICES_FILE ? projectPath(env.SERVICES_FILE) : servicesFilePath(dataDirFrom(env.DATA_DIR));
}

type OptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

function parse<const T extends OptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? (error.message.split('\n')[0] ?? 'bad arguments') : 'bad arguments',
    );
  }
}

// Run when executed (directly, through npx's bin link, or by tsx), not when imported.
const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`document-download: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
