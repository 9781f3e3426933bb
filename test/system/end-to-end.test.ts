// The whole system for real: the API and the frontend started together, files uploaded through the CLI,
// and a person's journey in headless Chromium down to the downloaded bytes. Once on the local encrypted
// store with in-process limits, once on S3 (radosgw, SSE-C) with Redis.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseContentDisposition } from 'content-disposition';
import type { DocumentStore } from '../../src/api/store/document-store.js';
import { openStore } from '../../src/api/store/open-store.js';
import { createS3Store } from '../../src/api/store/s3-store.js';
import { base64urlToUuid, decodeKey } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logging.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { writeServicesFile } from '../../src/directory/services-file.js';
import { type RunningSystem, startSystem } from '../../src/system.js';
import { startRedis } from '../helpers/redis.js';
import { PageWatcher, axeViolations, launchChromium, screenshot } from '../helpers/browser.js';
import { freePort } from '../../harness/ports.js';
import { startRgw } from '../../harness/rgw.js';
import { runCli } from '../helpers/run-cli.js';

const SERVICE = { id: randomUUID(), name: 'Office of Test Letters', contact_link: 'letters@example.gov.uk' };
const EMAIL = 'recipient@example.com';

interface Backend {
  name: string;
  /** Starts what the backend needs and returns the store and API environment to use, and a stop. */
  setUp(): Promise<{
    store?: DocumentStore;
    apiEnv: Record<string, string>;
    /** What the CLI needs to reach the same storage as the API. */
    storageEnv: Record<string, string>;
    stop(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'local store, in-process limits',
    setUp: async () => ({ apiEnv: {}, storageEnv: {}, stop: async () => undefined }),
  },
  {
    name: 'S3 (radosgw, SSE-C) and Redis',
    setUp: async () => {
      const [rgw, redis] = await Promise.all([startRgw(), startRedis()]);
      const bucket = `e2e-${randomUUID()}`;
      const store = createS3Store({
        bucket,
        endpoint: rgw.endpoint,
        region: rgw.region,
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      });
      await store.ensureBucket();
      return {
        store,
        apiEnv: { REDIS_ENABLED: 'true', REDIS_URL: redis.url },
        storageEnv: {
          DOCUMENT_STORE: 's3',
          DOCUMENTS_BUCKET: bucket,
          AWS_ENDPOINT_URL_S3: rgw.endpoint,
          AWS_REGION: rgw.region,
          AWS_ACCESS_KEY_ID: rgw.accessKeyId,
          AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
        },
        stop: async () => {
          await Promise.all([rgw.stop(), redis.stop()]);
        },
      };
    },
  },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(() => browser?.close());

describe.each(backends)('end to end: $name', (backend) => {
  let system: RunningSystem;
  let store: DocumentStore;
  let stopBackend: () => Promise<void>;
  let dataDir: string;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    const setUp = await backend.setUp();
    stopBackend = setUp.stop;
    dataDir = mkdtempSync(join(tmpdir(), 'dd-e2e-'));
    writeServicesFile(join(dataDir, 'services.json'), [SERVICE]);
    system = await startSystem({
      dataDir,
      apiPort: await freePort(),
      frontendPort: await freePort(),
      adminClientSecret: 'e2e-admin-secret',
      apiEnv: { AUTH_TOKENS: 'e2e-token', ...setUp.apiEnv },
      ...(setUp.store ? { store: setUp.store } : {}),
      logger: createLogger({ app: 'e2e', level: 'warn' }),
    });
    store = setUp.store ?? (await openStore(system.apiConfig.store));
    // No NOTIFY_ENVIRONMENT: block needs only the storage variables, upload only the API's URL and a token.
    cliEnv = {
      DATA_DIR: dataDir,
      DOCUMENT_DOWNLOAD_API_URL: system.apiUrl,
      AUTH_TOKENS: 'e2e-token',
      ...setUp.storageEnv,
    };
  }, 240_000);

  afterAll(async () => {
    await system?.close();
    await stopBackend?.();
  }, 60_000);

  /** Uploads through the CLI's `--json` output: the recipient link and the ids block takes. */
  async function uploadWithCli(
    name: string,
    content: Buffer,
    extra: string[] = [],
  ): Promise<{ url: string; service_id: string; document_id: string }> {
    const path = join(dataDir, `upload-${randomUUID()}`);
    writeFileSync(path, content);
    const result = await runCli(
      ['upload', path, '--service', SERVICE.id, '--filename', name, '--json', ...extra],
      cliEnv,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as { url: string; service_id: string; document_id: string };
  }

  async function open(
    page: Page,
    watcher: PageWatcher,
    url: string,
    status: number,
    heading: string,
    shot: string,
  ) {
    watcher.clear();
    await page.goto(url);
    await checkPage(page, watcher, status, heading, `e2e-${backend.name.split(' ')[0]}-${shot}`);
  }

  async function checkPage(page: Page, watcher: PageWatcher, status: number, heading: string, shot: string) {
    await page.waitForLoadState('load');
    expect(watcher.documentStatus()).toBe(status);
    expect((await page.locator('h1').textContent())?.trim()).toBe(heading);
    expect(await axeViolations(page)).toEqual([]);
    expect(watcher.problems(status)).toEqual([]);
    await screenshot(page, shot);
  }

  /**
   * The file behind the page's download link, fetched with the browser's own cookies. The API is another
   * origin (the `download.` host in production), where browsers ignore the `download` attribute: a PDF opens
   * in the browser's viewer, a CSV is saved; either way these are the bytes and the name the person gets.
   */
  async function downloadFrom(page: Page): Promise<{ name: string; bytes: Buffer; disposition: string }> {
    const href = (await page.locator('a[download]').getAttribute('href')) ?? '';
    const response = await page.context().request.get(href, { maxRedirects: 0 });
    expect(response.status()).toBe(200);
    const disposition = response.headers()['content-disposition'] ?? '';
    return { name: filenameFrom(disposition), bytes: await response.body(), disposition };
  }

  it(
    'a PDF that needs the recipient to confirm their email: wrong address, right address, download',
    { timeout: 120_000 },
    async () => {
      const pdf = samplePdf(['Your licence', backend.name]);
      const { url: link } = await uploadWithCli('licence.pdf', pdf, ['--confirm-email', EMAIL]);
      const context = await browser.newContext({ acceptDownloads: true });
      const page = await context.newPage();
      const watcher = new PageWatcher(page);
      try {
        await open(page, watcher, link, 200, 'You have a file to download', 'landing');
        expect(await page.locator('main').count()).toBe(1);
        expect(await page.locator('main').textContent()).toContain(
          'Office of Test Letters sent you a file to download.',
        );

        watcher.clear();
        await page.getByRole('button', { name: 'Continue' }).click();
        await checkPage(
          page,
          watcher,
          200,
          'Confirm your email address',
          `e2e-${backend.name.split(' ')[0]}-confirm`,
        );

        watcher.clear();
        await page.getByLabel('Email address').fill('someone.else@example.com');
        await page.getByRole('button', { name: 'Continue' }).click();
        await checkPage(
          page,
          watcher,
          400,
          'Confirm your email address',
          `e2e-${backend.name.split(' ')[0]}-wrong-email`,
        );
        expect(await page.locator('.govuk-error-summary').textContent()).toContain(
          'This is not the email address the file was sent to.',
        );

        watcher.clear();
        await page.getByLabel('Email address').fill(EMAIL);
        await page.getByRole('button', { name: 'Continue' }).click();
        await checkPage(
          page,
          watcher,
          200,
          'Download your file',
          `e2e-${backend.name.split(' ')[0]}-download`,
        );
        expect(await page.locator('main').textContent()).toContain('Download this PDF');

        const file = await downloadFrom(page);
        expect(file.name).toBe('licence.pdf');
        expect(file.bytes.equals(pdf)).toBe(true);

        // Without the access cookie the same address sends a person back to confirm their email first.
        const href = (await page.locator('a[download]').getAttribute('href')) ?? '';
        const stranger = await browser.newContext();
        try {
          const response = await stranger.request.get(href, { maxRedirects: 0 });
          expect(response.status()).toBe(302);
          expect(response.headers().location).toBe(link);
        } finally {
          await stranger.close();
        }
      } finally {
        await context.close();
      }
    },
  );

  it(
    'a CSV and a file with a unicode name, without confirmation, download byte for byte',
    { timeout: 120_000 },
    async () => {
      const csv = Buffer.from('name,amount\nAda,1\nGrace,2\n');
      const unicodeName = 'café ☃ résumé.pdf';
      const pdf = samplePdf(['Unicode']);
      for (const [name, bytes, extra, words] of [
        ['payments.csv', csv, ['--csv'], 'Download this CSV file'],
        [unicodeName, pdf, [], 'Download this PDF'],
      ] as const) {
        const { url: link } = await uploadWithCli(name, bytes, [...extra]);
        const context = await browser.newContext({ acceptDownloads: true });
        const page = await context.newPage();
        try {
          await page.goto(link);
          await page.getByRole('button', { name: 'Continue' }).click();
          expect(await page.locator('h1').textContent()).toBe('Download your file');
          expect(await page.locator('main').textContent()).toContain(words);
          const file = await downloadFrom(page);
          expect(file.name).toBe(name);
          expect(file.bytes.equals(bytes)).toBe(true);
          if (name.endsWith('.csv')) {
            // An attachment: clicking the link really saves the file in the browser.
            expect(file.disposition).toMatch(/^attachment/);
            const [download] = await Promise.all([
              page.waitForEvent('download'),
              page.locator('a[download]').click(),
            ]);
            expect(download.suggestedFilename()).toBe(name);
            expect(readFileSync(await download.path()).equals(bytes)).toBe(true);
          }
        } finally {
          await context.close();
        }
      }
    },
  );

  it(
    'a document uploaded in Welsh opens in Welsh with no query, and the whole journey stays Welsh',
    { timeout: 120_000 },
    async () => {
      const pdf = samplePdf(['Eich trwydded', backend.name]);
      const { url: link } = await uploadWithCli('trwydded.pdf', pdf, [
        '--confirm-email',
        EMAIL,
        '--language',
        'cy',
      ]);
      expect(new URL(link).searchParams.has('lang')).toBe(false);
      const context = await browser.newContext();
      const page = await context.newPage();
      const watcher = new PageWatcher(page);
      const shot = `e2e-${backend.name.split(' ')[0]}-cy`;
      try {
        await open(page, watcher, link, 200, 'Mae gennych ffeil i’w lawrlwytho', `${shot}-landing`);
        expect(await page.locator('html').getAttribute('lang')).toBe('cy');
        expect(await page.locator('main').textContent()).toContain(
          'Mae Office of Test Letters wedi anfon ffeil atoch i’w lawrlwytho.',
        );

        watcher.clear();
        await page.getByRole('button', { name: 'Parhau' }).click();
        await checkPage(page, watcher, 200, 'Cadarnhewch eich cyfeiriad e-bost', `${shot}-confirm`);
        expect(await page.locator('html').getAttribute('lang')).toBe('cy');

        watcher.clear();
        await page.getByLabel('Cyfeiriad e-bost').fill('someone.else@example.com');
        await page.getByRole('button', { name: 'Parhau' }).click();
        await checkPage(page, watcher, 400, 'Cadarnhewch eich cyfeiriad e-bost', `${shot}-wrong-email`);
        expect(await page.title()).toMatch(/^Gwall: /);
        expect(await page.locator('.govuk-error-summary').textContent()).toContain(
          'Nid hwn yw’r cyfeiriad e-bost yr anfonwyd y ffeil ato.',
        );

        watcher.clear();
        await page.getByLabel('Cyfeiriad e-bost').fill(EMAIL);
        await page.getByRole('button', { name: 'Parhau' }).click();
        await checkPage(page, watcher, 200, 'Lawrlwythwch eich ffeil', `${shot}-download`);
        expect(await page.locator('html').getAttribute('lang')).toBe('cy');
        expect(await page.locator('a[download]').textContent()).toContain('Lawrlwythwch y PDF hwn');
        const file = await downloadFrom(page);
        expect(file.name).toBe('trwydded.pdf');
        expect(file.bytes.equals(pdf)).toBe(true);

        // The toggle leads to the same page in English, with the same key.
        watcher.clear();
        await page.getByRole('link', { name: 'English' }).click();
        await checkPage(page, watcher, 200, 'Download your file', `${shot}-toggled`);
        expect(await page.locator('html').getAttribute('lang')).toBe('en');
        expect(new URL(page.url()).searchParams.get('key')).toBe(new URL(link).searchParams.get('key'));
      } finally {
        await context.close();
      }
    },
  );

  it('a blocked document shows the 404 page, an expired one the 410 page', { timeout: 120_000 }, async () => {
    const uploaded = await uploadWithCli('blocked.pdf', samplePdf(['Blocked']));
    const link = uploaded.url;
    const [, , , , service, document] = link.split('?')[0]?.split('/') ?? [];
    const { service_id: serviceId, document_id: documentId } = uploaded;
    expect(base64urlToUuid(service ?? '')).toBe(serviceId);
    expect(base64urlToUuid(document ?? '')).toBe(documentId);
    const block = await runCli(['block', serviceId, documentId], cliEnv);
    expect(block.code).toBe(0);
    expect(block.stdout).toContain(`Blocked document ${documentId}`);

    const expiredKey = decodeKey(link.split('key=')[1] ?? '') as Buffer;
    const expiredId = randomUUID();
    await store.put({
      serviceId: SERVICE.id,
      documentId: expiredId,
      key: expiredKey,
      content: samplePdf(['Old']),
      metadata: {
        mimetype: 'application/pdf',
        createdAt: new Date(Date.now() - 3 * 7 * 86_400_000),
        retentionPeriod: '1 weeks',
      },
    });
    const expiredLink = link.replace(
      document ?? '',
      Buffer.from(expiredId.replace(/-/g, ''), 'hex').toString('base64url'),
    );

    const page = await browser.newPage();
    const watcher = new PageWatcher(page);
    try {
      await open(page, watcher, link, 404, 'Page not found', 'blocked');
      expect(await page.locator('main').textContent()).toContain('the file may have expired or been deleted');
      await open(page, watcher, expiredLink, 410, 'No longer available', 'expired');
      expect(await page.locator('main').textContent()).toContain(
        'The file Office of Test Letters sent you has expired or been deleted.',
      );
    } finally {
      await page.close();
    }
  });
});

/** The file name a Content-Disposition header gives (content-disposition prefers the RFC 5987 `filename*`). */
function filenameFrom(disposition: string): string {
  const filename = parseContentDisposition(disposition).parameters.filename;
  return typeof filename === 'string' ? filename : '';
}
