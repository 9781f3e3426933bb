import { randomHex } from './random-values.js';

export interface Trace {
  traceId: string;
  spanId: string;
}

/** The B3 headers of a request and its answer, in lower case as Node gives and Fastify sends header names. */
export const TRACE_ID_HEADER = 'x-b3-traceid';
export const SPAN_ID_HEADER = 'x-b3-spanid';

const TRACE_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;
const SPAN_ID = /^[0-9a-f]{16}$/i;

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The incoming B3 ids when well-formed, fresh ones otherwise (junk headers are not propagated). */
export function traceFromHeaders(headers: Record<string, string | string[] | undefined>): Trace {
  const traceId = single(headers[TRACE_ID_HEADER]);
  const spanId = single(headers[SPAN_ID_HEADER]);
  return {
    traceId: traceId && TRACE_ID.test(traceId) ? traceId.toLowerCase() : newTraceId(),
    spanId: spanId && SPAN_ID.test(spanId) ? spanId.toLowerCase() : newSpanId(),
  };
}

/** Headers for a call made while serving `trace`: same trace, a new span, this request's span as parent. */
export function outgoingTraceHeaders(trace: Trace): Record<string, string> {
  return { 'X-B3-TraceId': trace.traceId, 'X-B3-SpanId': newSpanId(), 'X-B3-ParentSpanId': trace.spanId };
}
