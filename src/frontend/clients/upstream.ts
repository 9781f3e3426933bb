import type { EventEmitter } from 'node:events';
import { Agent, type Dispatcher } from 'undici';
import type { AbortNotifier } from '../../common/request-context.js';
import { outgoingTraceHeaders, type Trace } from '../../common/tracing.js';

/** What each upstream call needs from the request it serves. */
export interface CallContext {
  trace: Trace;
  /** Aborted at the request deadline, so upstream work stops when nobody is waiting for it. */
  signal: AbortSignal | AbortNotifier;
}

export interface UpstreamResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was not JSON. */
  json: unknown;
}

/** The upstream failed in a way no page explains: network error, timeout, unexpected status or shape. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly upstream: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${upstream}: ${message}`);
  }
}

/**
 * The upstream answered 503: it (or something it depends on, such as Redis or S3) is down for now. Not a bug
 * on either side, so the recipient is told the service is unavailable and to try again later.
 */
export class UpstreamUnavailableError extends UpstreamError {
  constructor(upstream: string) {
    super(upstream, 'service unavailable', 503);
  }
}

/** The error for a status no page explains: unavailable for a 503, a plain failure otherwise. */
export function unexpectedStatus(upstream: string, status: number): UpstreamError {
  return status === 503
    ? new UpstreamUnavailableError(upstream)
    : new UpstreamError(upstream, `unexpected status ${status}`, status);
}

export type UpstreamObserver = (upstream: string, status: number | 'error', seconds: number) => void;

const MAX_RESPONSE_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/json';

/** JSON over a pooled keep-alive connection set. Every call carries B3 headers and the request's abort signal. */
export class JsonUpstream {
  private readonly origin: string;
  private readonly basePath: string;

  constructor(
    readonly name: string,
    baseUrl: string,
    // Answers over 1 MiB are refused (undici aborts them) rather than buffered.
    private readonly dispatcher: Dispatcher = new Agent({
      keepAliveTimeout: 30_000,
      connections: 128,
      maxResponseSize: MAX_RESPONSE_BYTES,
    }),
    private readonly observe?: UpstreamObserver,
  ) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
  }

  async request(
    method: 'GET' | 'POST',
    path: string,
    context: CallContext,
    options?: { headers?: Record<string, string>; body?: unknown },
  ): Promise<UpstreamResponse> {
    const started = process.hrtime.bigint();
    const body = options?.body;
    // One object per call, filled in place: this runs twice for every journey page.
    const headers: Record<string, string> =
      body === undefined ? { accept: JSON_TYPE } : { accept: JSON_TYPE, 'content-type': JSON_TYPE };
    Object.assign(headers, outgoingTraceHeaders(context.trace), options?.headers);
    try {
      const response = await this.dispatcher.request({
        origin: this.origin,
        path: this.basePath + path,
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        // undici takes an EventEmitter-shaped signal (`on`, `once`, `removeListener`), which a notifier is.
        signal: context.signal as AbortSignal | EventEmitter,
      });
      const text = await response.body.text();
      this.observe?.(this.name, response.statusCode, secondsSince(started));
      return { status: response.statusCode, json: parseJson(text) };
    } catch (error) {
      this.observe?.(this.name, 'error', secondsSince(started));
      if (context.signal.aborted) throw context.signal.reason ?? error;
      throw new UpstreamError(this.name, error instanceof Error ? error.message : String(error));
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function secondsSince(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
