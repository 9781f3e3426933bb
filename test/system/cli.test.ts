import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64urlToUuid, generateKey } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logging.js';
import { openStore } from '../../src/api/store/open-store.js';
import { documentApiPaths, recipientRoutes } from '../../src/common/routes.js';
import { type RunningSystem, startSystem } from '../../src/system.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { freePort } from '../../harness/ports.js';
import { journeyPageOf } from '../helpers/journey-links.js';
import { runCli } from '../helpers/run-cli.js';

let system: RunningSystem;
let env: Record<string, string>;
let dataDir: string;
let pdfPath: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'dd-cli-'));
  pdfPath = join(dataDir, 'letter.pdf');
  writeFileSync(pdfPath, samplePdf(['Hello']));
  const [apiPort, frontendPort] = [await freePort(), await freePort()];
  system = await startSystem({
    dataDir,
    apiPort,
    frontendPort,
    adminClientSecret: 'cli-test-secret',
    apiEnv: { AUTH_TOKENS: 'cli-token' },
    logger: createLogger({ app: 'cli-test', level: 'silent' }),
  });
  env = {
    DATA_DIR: dataDir,
    DOCUMENT_DOWNLOAD_API_URL: system.apiUrl,
    AUTH_TOKENS: 'cli-token',
  };
});
afterAll(() => system?.close());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function addService(name: string): Promise<string> {
  const added = await runCli(['services', 'add', '--name', name, '--contact', '0800 000 000'], env);
  expect(added.code).toBe(0);
  return added.stdout.trim();
}

interface UploadJson {
  service_id: string;
  document_id: string;
  url: string;
  direct_file_url: string;
  mimetype: string;
}

async function uploadJson(serviceId: string): Promise<UploadJson> {
  const upload = await runCli(['upload', pdfPath, '--service', serviceId, '--json'], env);
  expect(upload.stderr).toBe('');
  expect(upload.code).toBe(0);
  return JSON.parse(upload.stdout) as UploadJson;
}

describe('document-download CLI', () => {
  it('prints help for itself and each command', async () => {
    const main = await runCli(['--help'], env);
    expect(main.code).toBe(0);
    expect(main.stdout).toContain('Usage: document-download <command>');
    for (const command of ['upload', 'services', 'block', 'unblock', 'purge']) {
      const help = await runCli([command, '--help'], env);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain('Usage:');
    }
    expect((await runCli(['upload', '--help'], env)).stdout).toMatch(/--json .*\n.*"document_id"/);
  });

  it('adds and lists services, then uploads for one and prints a working link and its ids', async () => {
    const added = await runCli(
      ['services', 'add', '--name', 'Passport Office', '--contact', 'help@passport.example.gov.uk'],
      env,
    );
    expect(added.code).toBe(0);
    const serviceId = added.stdout.trim();
    expect(serviceId).toMatch(/^[0-9a-f-]{36}$/);
    const list = await runCli(['services', 'list'], env);
    expect(list.stdout).toContain(`${serviceId}  Passport Office  help@passport.example.gov.uk`);

    const upload = await runCli(
      ['upload', pdfPath, '--service', serviceId, '--confirm-email', 'me@example.com'],
      env,
    );
    expect(upload.stderr).toBe('');
    expect(upload.code).toBe(0);
    const lines = upload.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    const [link, service, document, directFileUrl] = lines.map((line) =>
      line.replace(/^[A-Za-z ]+: +/, ''),
    ) as [string, string, string, string, string];
    expect(lines[0]).toMatch(/^Recipient link: /);
    expect(link).toMatch(
      /^http:\/\/localhost:\d+\/d\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{22}\?key=[A-Za-z0-9_-]{43}$/,
    );
    expect(lines[1]).toBe(`Service id:      ${serviceId}`);
    expect(service).toBe(serviceId);
    expect(lines[2]).toMatch(/^Document id: +/);
    expect(document).toBe(base64urlToUuid(link.split('/')[5]?.split('?')[0] ?? ''));
    expect(lines[3]).toMatch(/^Direct file URL: /);
    const directFilePrefix = `${system.apiUrl.replace('127.0.0.1', 'localhost')}${documentApiPaths.download(serviceId, document, 'pdf')}?key=`;
    expect(directFileUrl.slice(0, directFilePrefix.length)).toBe(directFilePrefix);
    expect(lines[4]).toBe('File type:       application/pdf');
    const page = await (await fetch(link)).text();
    expect(page).toContain('Passport Office sent you a file to download.');
    expect(page).toContain(journeyPageOf(link, recipientRoutes.confirmEmail));
  });

  it('upload --json prints one object whose fields match the API and whose ids block takes', async () => {
    const serviceId = await addService('Scripted');
    const upload = await runCli(['upload', pdfPath, '--service', serviceId, '--json'], env);
    expect(upload.code).toBe(0);
    expect(upload.stdout.trimEnd().split('\n')).toHaveLength(1);
    const uploaded = JSON.parse(upload.stdout) as UploadJson;
    expect(Object.keys(uploaded).sort()).toEqual([
      'direct_file_url',
      'document_id',
      'mimetype',
      'service_id',
      'url',
    ]);
    expect(uploaded.service_id).toBe(serviceId);
    expect(uploaded.document_id).toMatch(UUID);
    expect(uploaded.mimetype).toBe('application/pdf');
    expect(uploaded.url).toMatch(/^http:\/\/localhost:\d+\/d\//);
    expect(base64urlToUuid(uploaded.url.split('/')[5]?.split('?')[0] ?? '')).toBe(uploaded.document_id);
    expect((await fetch(uploaded.direct_file_url)).status).toBe(200);

    const block = await runCli(['block', uploaded.service_id, uploaded.document_id], env);
    expect(block.stdout).toBe(`Blocked document ${uploaded.document_id}\n`);
    expect((await fetch(uploaded.direct_file_url)).status).toBe(403);
  });

  it('blocks, unblocks and purges with nothing but DATA_DIR set (no NOTIFY_ENVIRONMENT, no AUTH_TOKENS)', async () => {
    const storageOnly = { DATA_DIR: dataDir };
    const cli = (args: string[], extra: Record<string, string> = {}) =>
      runCli(args, { ...storageOnly, ...extra }, { inheritEnv: false });
    const {
      service_id: serviceId,
      document_id: documentId,
      url,
      direct_file_url,
    } = await uploadJson(await addService('Blockers'));
    expect((await fetch(url)).status).toBe(200);

    const block = await cli(['block', serviceId, documentId]);
    expect(block.stderr).toBe('');
    expect(block.code).toBe(0);
    const blocked = await fetch(direct_file_url);
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toEqual({ error: 'Access to the document has been blocked' });
    const blockedPage = await fetch(url);
    expect(blockedPage.status).toBe(404);
    expect(await blockedPage.text()).toContain('the file may have expired or been deleted');

    // An operator's shell set up as production, without the API's secrets, is just as good.
    const unblock = await cli(['unblock', serviceId, documentId], { NOTIFY_ENVIRONMENT: 'production' });
    expect(unblock.stderr).toBe('');
    expect(unblock.code).toBe(0);
    expect(unblock.stdout).toBe(`Unblocked document ${documentId}\n`);
    const download = await fetch(direct_file_url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(samplePdf(['Hello']))).toBe(true);

    const nothing = await cli(['purge']);
    expect(nothing.stderr).toBe('');
    expect(nothing.stdout).toMatch(/^Deleted 0 expired documents$/m);
    const expiredId = randomUUID();
    const store = await openStore(system.apiConfig.store);
    await store.put({
      serviceId,
      documentId: expiredId,
      key: generateKey(),
      content: samplePdf(['Old']),
      metadata: {
        mimetype: 'application/pdf',
        createdAt: new Date(Date.now() - 3 * 7 * 86_400_000),
        retentionPeriod: '1 weeks',
      },
    });
    const purge = await cli(['purge']);
    expect(purge.stderr).toBe('');
    expect(purge.code).toBe(0);
    expect(purge.stdout).toMatch(/^Deleted 1 expired document$/m);
    expect((await fetch(direct_file_url)).status).toBe(200);
  });

  it.each([
    [{ DOCUMENT_STORE: 'floppy' }, /DOCUMENT_STORE must be local or s3/],
    [{ DOCUMENT_STORE: 's3' }, /Missing required environment variable: DOCUMENTS_BUCKET/],
    [{ REDIS_ENABLED: 'maybe' }, /REDIS_ENABLED must be true or false/],
    [{ DOCUMENT_AUTHENTICATION_RATE_LIMIT: '0' }, /DOCUMENT_AUTHENTICATION_RATE_LIMIT/],
  ])('names a wrong storage variable %j in one line', async (wrong, message) => {
    const result = await runCli(['purge'], { DATA_DIR: dataDir, ...wrong }, { inheritEnv: false });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it.each([
    [['nonsense'], /unknown command/],
    [['upload'], /exactly one FILE/],
    [['upload', '/no/such/file', '--service', '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e'], /cannot read/],
    [['upload', 'x', '--service', 'not-a-uuid'], /UUID/],
    [['upload', 'x', '--bogus'], /Unknown option/],
    [['services', 'add', '--name', 'x'], /--contact is required/],
    [['block', 'a', 'b'], /UUIDs/],
    [
      ['block', '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e', '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d'],
      /no document/,
    ],
  ])('refuses %j with one clear line and a non-zero exit', async (args, message) => {
    const result = await runCli(args, env);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('reports an upload the API refuses with its reason', async () => {
    const textPath = join(dataDir, 'empty.pdf');
    writeFileSync(textPath, '');
    const result = await runCli(
      ['upload', textPath, '--service', '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e'],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^document-download: .+/);
    const wrongToken = await runCli(
      ['upload', pdfPath, '--service', '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e', '--token', 'nope'],
      env,
    );
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toMatch(/invalid bearer token/i);
  });
});
