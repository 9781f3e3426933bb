import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logging.js';
import { type RunningSystem, startSystem } from '../../src/system.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { freePort } from '../helpers/ports.js';
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
    NOTIFY_ENVIRONMENT: 'development',
  };
});
afterAll(() => system?.close());

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
  });

  it('adds and lists services, then uploads for one and prints a working link', async () => {
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
    const link = upload.stdout.trim();
    expect(link).toMatch(
      /^http:\/\/localhost:\d+\/d\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]{22}\?key=[A-Za-z0-9_-]{43}$/,
    );
    const page = await (await fetch(link)).text();
    expect(page).toContain('Passport Office sent you a file to download.');
    expect(page).toContain('/confirm-email-address?key=');
  });

  it('blocks and unblocks a document, and purges nothing while nothing has expired', async () => {
    const serviceId = (
      await runCli(['services', 'add', '--name', 'Blockers', '--contact', '0800 000 000'], env)
    ).stdout.trim();
    const link = (await runCli(['upload', pdfPath, '--service', serviceId], env)).stdout.trim();
    const documentId = Buffer.from(link.split('/')[5]?.split('?')[0] ?? '', 'base64url')
      .toString('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    expect((await fetch(link)).status).toBe(200);

    expect((await runCli(['block', serviceId, documentId], env)).code).toBe(0);
    const blocked = await fetch(link);
    expect(blocked.status).toBe(404);
    expect(await blocked.text()).toContain('the file may have expired or been deleted');

    expect((await runCli(['unblock', serviceId, documentId], env)).code).toBe(0);
    expect((await fetch(link)).status).toBe(200);

    const purge = await runCli(['purge'], env);
    expect(purge.code).toBe(0);
    expect(purge.stdout).toMatch(/^Deleted 0 expired documents$/m);
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
