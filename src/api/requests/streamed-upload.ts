import type { FastifyReply, FastifyRequest } from 'fastify';
import { exemptFromReceiveTimeout } from '../../common/http-edge.js';
import { restartRequestDeadline, suspendRequestDeadline } from '../../common/request-context.js';
import { StreamedFileCheck } from '../checks/streamed-check.js';
import type { ApiConfig } from '../config.js';
import type { FileCheckDeps } from '../checks/check-file.js';
import { readMultipartUpload } from './multipart-upload.js';
import { UploadPace } from './upload-pace.js';
import type { UploadFields } from './upload-body.js';

export interface StreamedUpload {
  fields: UploadFields;
  mimetype: string;
  size: number;
}

/**
 * What a streamed upload has learned while it is still arriving: the fields sent so far and the type its first
 * bytes show (for a store that fixes the type before the end, `StagedDocumentStart.metadataHint`).
 */
export class UploadSoFar {
  fields: UploadFields | undefined;
  check: StreamedFileCheck | undefined;

  /** The type the file would be stored as now; undefined before its first byte or when it would be refused. */
  async mimetype(): Promise<string | undefined> {
    return this.check?.typeSoFar(this.fields ?? { isCsv: false, filename: undefined });
  }
}

/** Whether the request carries a multipart form (the streamed upload) rather than Notify's JSON. */
export function isMultipartRequest(request: FastifyRequest): boolean {
  return /^multipart\/form-data\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

/**
 * Reads a streamed upload in one pass: each chunk of the file goes to the antivirus service, the type detector
 * and `write` (the store's staged write) at once, and the next is read only once all three have taken it.
 * The fixed request deadline does not apply while the body arrives: the upload's pace does (a stall or a
 * crawl is a 408); once the last byte is in, the fixed deadline covers the verdicts. Resolves once the scan
 * has said clean and the type is allowed; rejects with the ApiError the client gets, or the abort's reason.
 */
export async function receiveStreamedUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  options: { config: ApiConfig; checks: FileCheckDeps },
  write?: (chunk: Buffer) => Promise<void>,
  soFar?: UploadSoFar,
): Promise<StreamedUpload> {
  const { config } = options;
  suspendRequestDeadline(request);
  exemptFromReceiveTimeout(request.raw, reply.raw);
  const pace = new UploadPace(config.uploadPace);
  const signal = AbortSignal.any([request.deadline, pace.signal]);
  const check = new StreamedFileCheck(options.checks, signal);
  if (soFar) soFar.check = check;
  const countBytes = (chunk: Buffer) => pace.received(chunk.length);
  request.raw.on('data', countBytes);
  try {
    const fields = await readMultipartUpload(request.raw, {
      maxFileSize: config.limits.maxStreamedFileSize,
      signal,
      onFields: (fields) => {
        if (soFar) soFar.fields = fields;
      },
      async onFileChunk(chunk) {
        await pace.heldBackBy(Promise.all([check.write(chunk), write?.(chunk)]));
      },
    });
    pace.stop();
    restartRequestDeadline(request);
    const mimetype = await check.finish(fields);
    return { fields, mimetype, size: check.bytes };
  } catch (error) {
    check.abort();
    throw error;
  } finally {
    pace.stop();
    request.raw.off('data', countBytes);
  }
}
