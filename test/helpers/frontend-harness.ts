import { type CheerioAPI, load } from 'cheerio';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { uuidToBase64url } from '../../src/common/ids.js';
import { createLogger } from '../../src/common/logging.js';
import { buildFrontend } from '../../src/frontend/app.js';
import { type FrontendConfig, loadFrontendConfig } from '../../src/frontend/config.js';
import { LogCapture } from './log-capture.js';
import { RecordingServer, type RecordedRequest } from './recording-server.js';
import { documentApiPaths, recipientPath, recipientRoutes } from '../../src/common/routes.js';

export const SERVICE_ID = '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e';
export const DOCUMENT_ID = '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
export const KEY = 'aOq0QX2yrcvUnqvmeF8kuKvM0Uz7u3oj3X8tSxsCGeU';
export const SERVICE_B64 = uuidToBase64url(SERVICE_ID);
export const DOCUMENT_B64 = uuidToBase64url(DOCUMENT_ID);
const JOURNEY = { service: SERVICE_B64, document: DOCUMENT_B64 };
/** The recipient's pages for the harness's document, without the key. */
export const LANDING_PATH = recipientPath(recipientRoutes.landing, JOURNEY);
export const CONFIRM_PATH = recipientPath(recipientRoutes.confirmEmail, JOURNEY);
export const DOWNLOAD_PATH = recipientPath(recipientRoutes.download, JOURNEY);

export function documentJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    document: {
      direct_file_url: `http://download.example.gov.uk${documentApiPaths.download(SERVICE_ID, DOCUMENT_ID, 'pdf')}?key=${KEY}`,
      confirm_email: false,
      size_in_bytes: 1_258_291,
      file_extension: 'pdf',
      filename: 'letter.pdf',
      available_until: '2022-11-12',
      ...overrides,
    },
  };
}

export const SERVICE_JSON = {
  data: { name: 'Apply for a licence', contact_link: 'https://example.gov.uk/contact' },
};

/** The security headers on every response of the frontend (page, redirect, asset, parser error). */
export const EVERY_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'x-robots-tag': 'noindex, nofollow',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'x-permitted-cross-domain-policies': 'none',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains; preload',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'geolocation=(), microphone=(), camera=(), autoplay=(), payment=(), sync-xhr=()',
};

/** The Cache-Control of every page, error page, redirect and status answer (assets are the exception). */
export const PAGE_CACHE_CONTROL = 'no-store, no-cache, private, must-revalidate';

/** The frontend listening on a real port, with both upstreams as real recording servers. */
export class FrontendHarness {
  readonly serviceDirectory = new RecordingServer();
  readonly documentApi = new RecordingServer();
  readonly logs = new LogCapture();
  /** The app's log lines (JSON), as the logger wrote them. */
  readonly logLines: string[] = this.logs.lines;
  app!: FastifyInstance;
  baseUrl = '';
  config!: FrontendConfig;
  today = new Date('2022-10-10T12:00:00Z');

  async start(env: Record<string, string> = {}): Promise<void> {
    const [apiUrl, documentApiUrl] = await Promise.all([
      this.serviceDirectory.start(),
      this.documentApi.start(),
    ]);
    this.useDefaults();
    this.config = loadFrontendConfig({
      NOTIFY_ENVIRONMENT: 'test',
      API_HOST_NAME: apiUrl,
      ADMIN_CLIENT_SECRET: 'test-admin-secret',
      DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://download.example.gov.uk',
      DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: documentApiUrl,
      SECRET_KEY: 'test-secret-key',
      // Every test decides what the directory answers, so nothing is reused between requests.
      SERVICE_CACHE_TTL_SECONDS: '0',
      ...env,
    });
    const logger = createLogger({ app: 'frontend-test', level: 'debug', destination: this.logs });
    this.app = await buildFrontend(this.config, { logger, now: () => this.today });
    this.baseUrl = await this.app.listen({ port: 0, host: '127.0.0.1' });
  }

  useDefaults(): void {
    this.serviceDirectory.handler = () => ({ status: 200, json: SERVICE_JSON });
    this.documentApi.handler = () => ({ status: 200, json: documentJson() });
  }

  reset(): void {
    this.serviceDirectory.reset();
    this.documentApi.reset();
    this.useDefaults();
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await Promise.all([this.serviceDirectory.stop(), this.documentApi.stop()]);
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.baseUrl + path, { redirect: 'manual', ...init });
  }

  checkRequests(): RecordedRequest[] {
    return this.documentApi.requests.filter((r) => r.url.includes('/check'));
  }
}

/**
 * The preamble of a frontend test file: both upstreams and the frontend listening before the first test (with
 * `env` over the test defaults), their default answers and a clean record before each test, all stopped after
 * the last. Call it at the top of the file; the harness it returns is ready inside the tests.
 */
export function setUpFrontendTest(env: Record<string, string> = {}): FrontendHarness {
  const harness = new FrontendHarness();
  beforeAll(() => harness.start(env));
  afterAll(() => harness.stop());
  beforeEach(() => harness.reset());
  return harness;
}

/** The markup as a DOM, for assertions about elements, attributes and text rather than patterns over strings. */
export function parseHtml(html: string): CheerioAPI {
  return load(html);
}

/** An element's text as a reader sees it: runs of whitespace made one space, trimmed. */
export function textOf(selection: { text(): string }): string {
  return selection.text().replace(/\s+/g, ' ').trim();
}

/** The document's <title> (not the one inside the GOV.UK logo's SVG). */
export function pageTitle($: CheerioAPI): string {
  return $('head > title').text();
}
