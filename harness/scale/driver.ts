// A bounded, self-stopping load driver for the scale layout, shared by test/scale/scale.test.ts and
// bench/scale.ts. Recipients' complete journeys in parallel (upload through the load balancer, landing page,
// confirm page with a wrong then the right address, download page, the file with the access cookie), plus a
// steady stream of checks, landing pages and downloads of older documents. Every answer is classified and every
// byte of every file compared. The only retry is a browser's: a request whose connection closed before any answer
// is sent once more, within the same deadline; every other failure a recipient would see is counted.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { Agent } from 'undici';
import { documentApiPaths, recipientPath, recipientRoutes } from '../../src/common/routes.js';

export interface DriverTarget {
  frontendUrl: string;
  apiUrl: string;
  serviceId: string;
  authToken: string;
}

export interface DriverOptions {
  /** Journeys running at once. */
  journeys: number;
  /** Loops of checks and downloads of older documents running at once. */
  background: number;
  /**
   * A request with no complete answer by then is a hang (outcome `timeout`): the replicas' deadline plus a margin
   * (test/scale/scale.test.ts says which). A resent request shares its first attempt's deadline.
   */
  requestDeadlineMs: number;
  /** Share of uploads with a confirmation email. */
  emailShare: number;
  /** Pause between two requests of one background loop. */
  backgroundPauseMs: number;
  maxFileBytes: number;
}

/**
 * ok: the expected answer, body checked. error-page / error-json: a 5xx the app answered honestly (the frontend's
 * "Sorry, the service is unavailable" page with a 503, its "Sorry, there's a problem" page with a 500 or 504; the
 * API's 503 or deadline 504 JSON). lb-error: HAProxy's own 502 or 503 (no replica
 * could answer); its 504 (`timeout server`, past the replicas' own deadline) is a timeout. closed-unanswered: the connection closed before any answer, HAProxy's way of saying "this request
 * was never processed, send it again" (it does that when a kept-alive replica connection dies under a request);
 * a browser resends it at once, and so does the driver, once, as a new request within the same deadline. cut: a response that started and then ended early (a replica killed mid-body); the client sees
 * it fail, never a short file. The rest are dishonest: internal-error (the API's 500 JSON: "a bug here" when a
 * dependency is merely unavailable), timeout (no answer within the deadline, or HAProxy's 504), network-error (no answer at all),
 * wrong-answer (a status that lies, e.g. 404 for a stored document, or a 5xx without a proper body), corrupt (the
 * expected status with a broken body: wrong bytes, wrong page).
 */
export type Outcome =
  | 'ok'
  | 'error-page'
  | 'error-json'
  | 'lb-error'
  | 'cut'
  | 'closed-unanswered'
  | 'internal-error'
  | 'timeout'
  | 'network-error'
  | 'wrong-answer'
  | 'corrupt';

export const HONEST_ERRORS: ReadonlySet<Outcome> = new Set([
  'error-page',
  'error-json',
  'lb-error',
  'cut',
  'closed-unanswered',
]);

export interface RequestRecord {
  step: string;
  start: number;
  end: number;
  status: number;
  outcome: Outcome;
  replica: string;
  detail?: string;
  /** A resent request: when its first attempt started (the recipient has waited since then). */
  firstStart?: number;
}

/** How long the recipient waited for this answer, a resent request's first attempt included. */
export function waitedMs(record: RequestRecord): number {
  return record.end - (record.firstStart ?? record.start);
}

export interface JourneyRecord {
  start: number;
  end: number;
  withEmail: boolean;
  ok: boolean;
  /** `step: outcome status` of the first failure. */
  reason?: string;
}

export interface StoredDocument {
  id: string;
  recipientUrl: string;
  directFileUrl: string;
  checkUrl: string;
  sha256: string;
  size: number;
  email?: string;
  /** `document_access_signed_data=…`, once a journey got it. */
  cookie?: string;
  uploadedAt: number;
}

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

type Validator = (answer: Answer) => string | undefined;

/** The frontend's error page for each 5xx it answers: 503 when an upstream is unavailable, 500 or 504 otherwise. */
const FRONTEND_ERROR_HEADINGS: Readonly<Record<number, string>> = {
  500: 'Sorry, there’s a problem with the service',
  503: 'Sorry, the service is unavailable',
  504: 'Sorry, there’s a problem with the service',
};
const JOURNEY_PAUSE_MS = 200;

export class LoadDriver {
  readonly requests: RequestRecord[] = [];
  readonly journeys: JourneyRecord[] = [];
  /** Every document whose upload got a 201, in order. */
  readonly documents: StoredDocument[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];
  private uploads = 0;

  constructor(
    private readonly target: DriverTarget,
    private readonly options: DriverOptions,
  ) {}

  start(): void {
    for (let i = 0; i < this.options.journeys; i++) this.loops.push(this.journeyLoop());
    for (let i = 0; i < this.options.background; i++) this.loops.push(this.backgroundLoop());
  }

  /** Lets every running request finish (each is bounded by the deadline), then returns. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  private async journeyLoop(): Promise<void> {
    while (!this.stopping) {
      await this.journey();
      await pause(JOURNEY_PAUSE_MS);
    }
  }

  private async backgroundLoop(): Promise<void> {
    let turn = randomInt(3);
    while (!this.stopping) {
      const ready = this.documents.filter((doc) => !doc.email || doc.cookie);
      const doc = ready.length > 0 ? ready[randomInt(ready.length)] : undefined;
      if (doc) {
        turn = (turn + 1) % 3;
        if (turn === 0) await this.check(doc);
        else if (turn === 1) await this.downloadFile(doc, 'old-file');
        else await this.page('old-landing', doc.recipientUrl, 200, landingPage).catch(ignoreFailure);
      }
      await pause(this.options.backgroundPauseMs);
    }
  }

  /** One recipient, from the upload to the last byte; a failed step ends the journey. */
  async journey(): Promise<void> {
    const start = Date.now();
    const withEmail = Math.random() < this.options.emailShare;
    const record: JourneyRecord = { start, end: start, withEmail, ok: false };
    this.journeys.push(record);
    const fail = (failure: Failure) => {
      record.reason = `${failure.step}: ${failure.outcome}${failure.status ? ` ${failure.status}` : ''}`;
      record.end = Date.now();
    };
    try {
      const doc = await this.upload(withEmail);
      const links = journeyLinks(doc.recipientUrl);
      await this.page('landing', doc.recipientUrl, 200, landingPage);
      if (doc.email) {
        const form = await this.page('confirm-page', links.confirm, 200, confirmPage);
        const wrong = await this.postForm(
          'confirm-wrong',
          links.confirm,
          form,
          `not.${doc.email}`,
          400,
          wrongEmailPage,
        );
        const right = await this.postForm('confirm-right', links.confirm, wrong, doc.email, 302, (a) =>
          a.headers
            .get('location')
            ?.endsWith(new URL(links.download).pathname + new URL(links.download).search)
            ? undefined
            : `redirected to ${a.headers.get('location')}`,
        );
        const cookie = right.headers
          .getSetCookie()
          .find((value) => value.startsWith('document_access_signed_data='));
        if (!cookie) throw new Failure('confirm-right', 'corrupt', 302);
        doc.cookie = cookie.split(';')[0];
      }
      await this.page('download-page', links.download, 200, (answer) =>
        downloadPage(answer, doc.directFileUrl),
      );
      await this.downloadFile(doc, 'file', true);
      record.ok = true;
      record.end = Date.now();
    } catch (error) {
      if (error instanceof Failure) fail(error);
      else throw error;
    }
  }

  /** An upload with a confirmation email outside any journey (the rate-limit checks use it). */
  uploadForProbe(): Promise<StoredDocument> {
    return this.upload(true);
  }

  private async upload(withEmail: boolean): Promise<StoredDocument> {
    const number = ++this.uploads;
    const content = textContent(randomInt(200, this.options.maxFileBytes));
    const email = withEmail ? `recipient.${number}@example.com` : undefined;
    const body = {
      document: content.toString('base64'),
      filename: `scale-${number}.txt`,
      ...(email ? { confirmation_email: email } : {}),
    };
    let uploaded: { id: string; url: string; direct_file_url: string } | undefined;
    const answer = await this.call(
      'upload',
      `${this.target.apiUrl}${documentApiPaths.upload(this.target.serviceId)}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.target.authToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      'api',
      201,
      (a) => {
        const json = parseJson(a.body) as { document?: typeof uploaded } | undefined;
        uploaded = json?.document;
        return uploaded?.id && uploaded.url && uploaded.direct_file_url ? undefined : 'no document in 201';
      },
    );
    void answer;
    const doc: StoredDocument = {
      id: uploaded!.id,
      recipientUrl: uploaded!.url,
      directFileUrl: uploaded!.direct_file_url,
      checkUrl: checkUrl(uploaded!.direct_file_url),
      sha256: sha256(content),
      size: content.length,
      uploadedAt: Date.now(),
      ...(email ? { email } : {}),
    };
    this.documents.push(doc);
    return doc;
  }

  private async check(doc: StoredDocument): Promise<void> {
    await this.call('old-check', doc.checkUrl, {}, 'api', 200, (answer) => {
      const json = parseJson(answer.body) as { document?: { size_in_bytes?: number } } | undefined;
      return json?.document?.size_in_bytes === doc.size ? undefined : 'wrong check answer';
    }).catch(ignoreFailure);
  }

  /** The file itself, every byte compared. `rethrow` ends a journey on failure. */
  async downloadFile(doc: StoredDocument, step: string, rethrow = false): Promise<boolean> {
    try {
      await this.call(
        step,
        doc.directFileUrl,
        doc.cookie ? { headers: { cookie: doc.cookie } } : {},
        'api',
        200,
        (answer) =>
          answer.body.length !== doc.size
            ? `served ${answer.body.length} of ${doc.size} bytes`
            : sha256(answer.body) !== doc.sha256
              ? 'bytes differ'
              : undefined,
      );
      return true;
    } catch (error) {
      if (rethrow) throw error;
      ignoreFailure(error);
      return false;
    }
  }

  private async page(step: string, url: string, status: number, validate: Validator): Promise<Answer> {
    return this.call(step, url, {}, 'web', status, validate);
  }

  private async postForm(
    step: string,
    url: string,
    form: Answer,
    email: string,
    status: number,
    validate: Validator,
  ): Promise<Answer> {
    const { token, cookie } = formSession(form);
    return this.call(
      step,
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ csrf_token: token, email_address: email }).toString(),
      },
      'web',
      status,
      (answer) => validate(answer) ?? (status === 400 ? confirmPage(answer) : undefined),
      // The CSRF cookie stays the same; a re-rendered form carries a fresh token.
    ).then((answer) => withCookie(answer, cookie));
  }

  /** One request, bounded by the deadline, recorded and classified; throws Failure unless it is `ok`. */
  private async call(
    step: string,
    url: string,
    init: RequestInit,
    app: 'web' | 'api',
    expected: number,
    validate: Validator,
    firstStart?: number,
  ): Promise<Answer> {
    const start = Date.now();
    const record: RequestRecord = { step, start, end: start, status: 0, outcome: 'ok', replica: '' };
    if (firstStart !== undefined) record.firstStart = firstStart;
    this.requests.push(record);
    const deadlineMs = this.options.requestDeadlineMs - (start - (firstStart ?? start));
    let answer: Answer | undefined;
    let headersArrived = false;
    // A resend goes on a connection of its own, as a browser's does: another kept-alive connection from the
    // pool may be closing for the same reason the first one did (HAProxy closes the client connections whose
    // replica connection died).
    const ownConnection = firstStart === undefined ? undefined : new Agent({ pipelining: 0 });
    try {
      const response = await fetch(url, {
        ...init,
        redirect: 'manual',
        signal: AbortSignal.timeout(Math.max(1, deadlineMs)),
        // @ts-expect-error undici's dispatcher option on Node's fetch
        dispatcher: ownConnection,
      });
      headersArrived = true;
      record.status = response.status;
      record.replica = response.headers.get('x-replica') ?? '';
      answer = {
        status: response.status,
        headers: response.headers,
        body: Buffer.from(await response.arrayBuffer()),
      };
    } catch (error) {
      const name = (error as Error).name;
      record.outcome =
        name === 'TimeoutError' || name === 'AbortError'
          ? 'timeout'
          : headersArrived
            ? 'cut'
            : 'network-error';
      record.detail = describeError(error);
    } finally {
      void ownConnection?.close();
    }
    record.end = Date.now();
    if (answer) {
      const problem =
        answer.status === expected
          ? validate(answer)
          : answer.status >= 500
            ? undefined
            : `expected ${expected}`;
      record.outcome =
        answer.status === expected
          ? problem
            ? 'corrupt'
            : 'ok'
          : answer.status >= 500
            ? classify5xx(answer, app, record.replica)
            : 'wrong-answer';
      if (problem) record.detail = problem;
      if (record.outcome === 'timeout') record.detail = "HAProxy's 504: its server timeout cut the replica";
      if (record.outcome === 'ok') return answer;
    } else if (record.outcome === 'network-error' && firstStart === undefined) {
      record.outcome = 'closed-unanswered';
      return this.call(step, url, init, app, expected, validate, start);
    }
    throw new Failure(step, record.outcome, record.status);
  }
}

class Failure extends Error {
  constructor(
    readonly step: string,
    readonly outcome: Outcome,
    readonly status: number,
  ) {
    super(`${step}: ${outcome} ${status}`);
  }
}

function ignoreFailure(error: unknown): void {
  if (!(error instanceof Failure)) throw error;
}

/**
 * An honest 5xx is the app's own error answer, or HAProxy's 502/503 when no replica could answer. HAProxy's 504
 * is its `timeout server`: a replica past its own deadline, a hang.
 */
function classify5xx(answer: Answer, app: 'web' | 'api', replica: string): Outcome {
  const text = answer.body.toString('utf8');
  const type = answer.headers.get('content-type') ?? '';
  if (replica === '' || replica === '<NOSRV>' || /^<html><body><h1>5\d\d /.test(text)) {
    if (/<h1>5\d\d /.test(text)) return answer.status === 504 ? 'timeout' : 'lb-error';
  }
  if (app === 'api') {
    const json = type.includes('application/json') ? parseJson(answer.body) : undefined;
    if (typeof (json as { error?: unknown } | undefined)?.error !== 'string') return 'wrong-answer';
    return answer.status === 503 || answer.status === 504 ? 'error-json' : 'internal-error';
  }
  const heading = FRONTEND_ERROR_HEADINGS[answer.status];
  return heading !== undefined &&
    type.includes('text/html') &&
    text.includes(heading) &&
    text.trimEnd().endsWith('</html>')
    ? 'error-page'
    : 'wrong-answer';
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return [(error as Error).name, (error as Error).message, cause?.code ?? cause?.message]
    .filter(Boolean)
    .join(': ');
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Printable text (base64 lines), so the API stores it as text/plain under a `.txt` name. */
function textContent(size: number): Buffer {
  const raw = randomBytes(Math.ceil((size * 3) / 4))
    .toString('base64')
    .slice(0, size);
  return Buffer.from(raw.replace(/(.{76})/g, '$1\n'));
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function html(answer: Answer): string {
  return answer.body.toString('utf8');
}

function completePage(answer: Answer, heading: string): string | undefined {
  const text = html(answer);
  if (!text.trimEnd().endsWith('</html>')) return 'page cut short';
  return text.includes(heading) ? undefined : `page without "${heading}"`;
}

const landingPage: Validator = (answer) => completePage(answer, 'You have a file to download');
const confirmPage: Validator = (answer) =>
  completePage(answer, 'Confirm your email address') ??
  (/name="csrf_token" value="[^"]+"/.test(html(answer)) ? undefined : 'form without a CSRF token');
const wrongEmailPage: Validator = (answer) =>
  completePage(answer, 'This is not the email address the file was sent to.');

function downloadPage(answer: Answer, directFileUrl: string): string | undefined {
  const escaped = directFileUrl.replace(/&/g, '&amp;');
  return (
    completePage(answer, 'Download your file') ??
    (html(answer).includes(`href="${escaped}"`) ? undefined : 'page without the file link')
  );
}

/** The CSRF token in a form page and the `_csrf` cookie that came with it (or an earlier page). */
function formSession(answer: Answer & { csrfCookie?: string }): { token: string; cookie: string } {
  const token = /name="csrf_token" value="([^"]+)"/.exec(html(answer))?.[1] ?? '';
  const set = answer.headers.getSetCookie().find((value) => value.startsWith('_csrf='));
  return { token, cookie: set ? (set.split(';')[0] as string) : (answer.csrfCookie ?? '') };
}

function withCookie(answer: Answer, cookie: string): Answer & { csrfCookie: string } {
  return Object.assign(answer, { csrfCookie: cookie });
}

function journeyLinks(recipientUrl: string): { confirm: string; download: string } {
  const url = new URL(recipientUrl);
  const [, , service = '', document = ''] = url.pathname.split('/');
  const page = (pattern: string) =>
    `${url.origin}${recipientPath(pattern, { service, document })}${url.search}`;
  return { confirm: page(recipientRoutes.confirmEmail), download: page(recipientRoutes.download) };
}

/** The API's address for another route of the document a direct file URL names, with the same query. */
function sameDocument(
  directFileUrl: string,
  path: (serviceId: string, documentId: string) => string,
  withQuery = true,
): string {
  const url = new URL(directFileUrl);
  const [serviceId = '', documentId = ''] = [
    ...url.pathname.matchAll(/\/(?:services|documents)\/([^/.]+)/g),
  ].map((match) => match[1]);
  return `${url.origin}${path(serviceId, documentId)}${withQuery ? url.search : ''}`;
}

/** `…/documents/{id}[.ext]?key=` → `…/documents/{id}/check?key=`. */
function checkUrl(directFileUrl: string): string {
  return sameDocument(directFileUrl, documentApiPaths.check);
}

/** N authenticate attempts at once on one document, straight to the API: how many got through, by status. */
export async function authenticateBurst(
  doc: StoredDocument,
  attempts: number,
  deadlineMs: number,
): Promise<Record<string, number>> {
  const url = new URL(doc.directFileUrl);
  const key = url.searchParams.get('key') ?? '';
  const authenticateUrl = sameDocument(doc.directFileUrl, documentApiPaths.authenticate, false);
  const statuses = await Promise.all(
    Array.from({ length: attempts }, async () => {
      try {
        const response = await fetch(authenticateUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key, email_address: doc.email }),
          signal: AbortSignal.timeout(deadlineMs),
        });
        const json = parseJson(Buffer.from(await response.arrayBuffer())) as { signed_data?: string };
        if (response.status === 200 && json?.signed_data && !doc.cookie) {
          doc.cookie = `document_access_signed_data=${json.signed_data}`;
        }
        return String(response.status);
      } catch (error) {
        return (error as Error).name === 'TimeoutError' ? 'timeout' : 'network-error';
      }
    }),
  );
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Downloads every stored document once more: the ids of those not byte-identical (or not served). */
export async function verifyAll(driver: LoadDriver, parallel = 4): Promise<string[]> {
  const bad: string[] = [];
  const queue = [...driver.documents];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let doc = queue.shift(); doc; doc = queue.shift()) {
        if (doc.email && !doc.cookie) {
          // A journey that failed before confirming: confirm with the API directly, as the frontend would.
          doc.cookie = await accessCookie(doc);
        }
        if (!(await driver.downloadFile(doc, 'final-check'))) bad.push(doc.id);
      }
    }),
  );
  return bad;
}

async function accessCookie(doc: StoredDocument): Promise<string | undefined> {
  const key = new URL(doc.directFileUrl).searchParams.get('key') ?? '';
  const authenticateUrl = sameDocument(doc.directFileUrl, documentApiPaths.authenticate, false);
  try {
    const response = await fetch(authenticateUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key, email_address: doc.email }),
      signal: AbortSignal.timeout(30_000),
    });
    const json = (await response.json()) as { signed_data?: string };
    return json.signed_data ? `document_access_signed_data=${json.signed_data}` : undefined;
  } catch {
    return undefined;
  }
}
