import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { AUTH_TOKEN, startApi } from '../helpers/api-harness.js';
import { RecordingServer } from '../helpers/recording-server.js';
import { runCli } from '../helpers/run-cli.js';
import { JSON_UPLOAD_LIMIT, uploadDocument } from '../../src/upload-client.js';

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

  it('uploads a file over the JSON limit as a streamed form, in Welsh, and it downloads byte for byte', async () => {
    const serviceId = await addService('Cyngor Sir');
    const path = join(dataDir, 'adroddiad.txt');
    const line = 'Adroddiad blynyddol: pob rhes yr un hyd.\n';
    const content = Buffer.from(line.repeat(Math.ceil((JSON_UPLOAD_LIMIT + 1024 * 1024) / line.length)));
    writeFileSync(path, content);
    const result = await runCli(['upload', path, '--service', serviceId, '--language', 'cy', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const uploaded = JSON.parse(result.stdout) as UploadJson;
    expect(uploaded.mimetype).toBe('text/plain');
    const direct = new URL(uploaded.direct_file_url);
    const check = await fetch(
      `${system.apiUrl}${direct.pathname.replace(/\.[a-z]+$/, '')}/check${direct.search}`,
    );
    expect((await check.json()).document).toMatchObject({
      language: 'cy',
      filename: 'adroddiad.txt',
      size_in_bytes: content.length,
    });
    const download = await fetch(uploaded.direct_file_url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
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

const SERVICE = '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e';
const ANSWER = {
  status: 'ok',
  document: {
    id: '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
    url: 'http://localhost:7001/d/a/b?key=c',
    direct_file_url: 'http://localhost:7000/services/x/documents/y.txt?key=c',
    mimetype: 'text/plain',
  },
};

/** The parts of a multipart body, in order: name, filename if any, content. */
function multipartParts(
  contentType: string,
  body: string,
): Array<{ name: string; filename?: string; content: string }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const delimiter = `--${boundary?.[1] ?? boundary?.[2]}`;
  const sections = body.split(`\r\n${delimiter}`);
  // The first starts with the delimiter itself; the last is the closing "--".
  sections[0] = sections[0]!.slice(delimiter.length);
  return sections
    .filter((section) => !section.startsWith('--'))
    .map((section) => {
      const [head, ...rest] = section.replace(/^\r\n/, '').split('\r\n\r\n');
      const name = /name="([^"]*)"/.exec(head ?? '')?.[1] ?? '';
      const filename = /filename="([^"]*)"/.exec(head ?? '')?.[1];
      return { name, ...(filename !== undefined ? { filename } : {}), content: rest.join('\r\n\r\n') };
    });
}

describe('the upload client and CLI against a recording server', () => {
  let server: RecordingServer;
  let folder: string;
  beforeAll(async () => {
    server = new RecordingServer();
    server.handler = () => ({ status: 201, json: ANSWER });
    await server.start();
    folder = mkdtempSync(join(tmpdir(), 'dd-cli-upload-'));
  });
  afterAll(() => server?.stop());

  it('sends a file up to the JSON limit as Notify does: base64 JSON, with language', async () => {
    server.reset();
    const path = join(folder, 'limit.txt');
    writeFileSync(path, Buffer.alloc(JSON_UPLOAD_LIMIT, 'j'));
    const result = await runCli(
      [
        'upload',
        path,
        '--service',
        SERVICE,
        '--language',
        'cy',
        '--csv',
        '--api',
        server.url,
        '--token',
        't',
      ],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [sent] = server.requests;
    expect(sent?.url).toBe(documentApiPaths.upload(SERVICE));
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers.authorization).toBe('Bearer t');
    const body = JSON.parse(sent!.body) as Record<string, unknown>;
    expect(body).toEqual({
      document: Buffer.alloc(JSON_UPLOAD_LIMIT, 'j').toString('base64'),
      filename: 'limit.txt',
      is_csv: true,
      language: 'cy',
    });
    // The output is the same whichever way the file went.
    expect(result.stdout).toBe(
      [
        `Recipient link:  ${ANSWER.document.url}`,
        `Service id:      ${SERVICE}`,
        `Document id:     ${ANSWER.document.id}`,
        `Direct file URL: ${ANSWER.document.direct_file_url}`,
        `File type:       ${ANSWER.document.mimetype}`,
      ].join('\n') + '\n',
    );
  });

  it('sends a larger file as a multipart form: the fields first, then the file in `document`', async () => {
    server.reset();
    const path = join(folder, 'large.txt');
    const content = Buffer.alloc(JSON_UPLOAD_LIMIT + 1, 'm');
    content.write('first line\r\n--not a boundary\r\n', 0);
    writeFileSync(path, content);
    const result = await runCli(
      [
        'upload',
        path,
        '--service',
        SERVICE,
        '--confirm-email',
        'me@example.com',
        '--retention',
        '4 weeks',
        '--filename',
        'Résumé "final".txt',
        '--csv',
        '--language',
        'en',
        '--api',
        server.url,
        '--json',
      ],
      env,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      service_id: SERVICE,
      document_id: ANSWER.document.id,
      url: ANSWER.document.url,
      direct_file_url: ANSWER.document.direct_file_url,
      mimetype: ANSWER.document.mimetype,
    });
    const [sent] = server.requests;
    expect(sent?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(sent?.headers['content-length'])).toBe(Buffer.byteLength(sent!.body));
    const parts = multipartParts(sent!.headers['content-type']!, sent!.body);
    expect(parts.map((part) => part.name)).toEqual([
      'confirmation_email',
      'retention_period',
      'filename',
      'is_csv',
      'language',
      'document',
    ]);
    expect(parts.slice(0, 5).map((part) => part.content)).toEqual([
      'me@example.com',
      '4 weeks',
      'Résumé "final".txt',
      'true',
      'en',
    ]);
    expect(parts[5]?.content).toBe(content.toString('utf8'));
    // The form's own escaping of a quote in the part's filename.
    expect(parts[5]?.filename).toBe('Résumé %22final%22.txt');
  });

  it('streams a large file from disk: 100 MiB costs the CLI little more memory than 10 MiB', async () => {
    let cliPid = 0;
    let received = 0;
    let head = '';
    let cliPeakKiB = 0;
    const discard = createServer((request, response) => {
      received = 0;
      head = '';
      request.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.subarray(0, 4096).toString('latin1');
        received += chunk.length;
      });
      request.on('end', () => {
        // Read while the CLI still waits for this answer.
        const status = readFileSync(`/proc/${cliPid}/status`, 'utf8');
        cliPeakKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]);
        response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(ANSWER));
      });
    });
    await new Promise<void>((resolve) => discard.listen(0, '127.0.0.1', resolve));
    const { port } = discard.address() as AddressInfo;
    const peakFor = async (size: number): Promise<number> => {
      const path = join(folder, 'large.bin');
      writeFileSync(path, Buffer.alloc(size, 'h'));
      const result = await runCli(
        ['upload', path, '--service', SERVICE, '--language', 'cy', '--api', `http://127.0.0.1:${port}`],
        env,
        { onSpawn: (pid) => (cliPid = pid) },
      );
      rmSync(path);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(received).toBeGreaterThan(size);
      expect(head).toMatch(
        /name="language"\r\n\r\ncy\r\n--[^\r]+\r\nContent-Disposition: form-data; name="document"/,
      );
      return cliPeakKiB * 1024;
    };
    try {
      const mib = 1024 * 1024;
      const small = await peakFor(10 * mib);
      const large = await peakFor(100 * mib);
      console.log(
        `CLI peak RSS uploading 10 MiB: ${(small / mib).toFixed(1)} MiB, 100 MiB: ${(large / mib).toFixed(1)} MiB`,
      );
      // Holding the file would add the 90 MiB difference (its base64 120 MiB more); measured about 15 MiB.
      expect(large - small).toBeLessThan(45 * mib);
    } finally {
      await new Promise<void>((resolve) => discard.close(() => resolve()));
    }
  });

  it("reports the API's 413 for a file over its streamed limit, answered while the file is still being sent", async () => {
    const api = await startApi({ MAX_STREAMED_FILE_SIZE: String(3 * 1024 * 1024) });
    try {
      const path = join(folder, 'too-large.txt');
      writeFileSync(path, Buffer.alloc(20 * 1024 * 1024, 'x'));
      const result = await runCli(
        ['upload', path, '--service', SERVICE, '--api', api.url, '--token', AUTH_TOKEN],
        env,
      );
      rmSync(path);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('document-download: Uploaded file exceeds file size limit\n');
    } finally {
      await api.close();
    }
  });

  it('refuses a language other than en or cy before sending anything', async () => {
    server.reset();
    const result = await runCli(
      ['upload', pdfPath, '--service', SERVICE, '--language', 'fr', '--api', server.url],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('document-download: --language must be en or cy\n');
    expect(server.requests).toHaveLength(0);
  });

  it('the client sends bytes in memory past its JSON limit as a form too', async () => {
    server.reset();
    const document = await uploadDocument({
      apiUrl: server.url,
      token: 't',
      serviceId: SERVICE,
      content: Buffer.from('small but over the limit'),
      jsonLimit: 10,
      language: 'cy',
    });
    expect(document).toEqual(ANSWER.document);
    const [sent] = server.requests;
    const parts = multipartParts(sent!.headers['content-type']!, sent!.body);
    expect(parts.map((part) => [part.name, part.content])).toEqual([
      ['language', 'cy'],
      ['document', 'small but over the limit'],
    ]);
  });
});
