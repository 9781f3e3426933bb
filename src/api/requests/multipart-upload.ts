import { Busboy, type BusboyFileStream, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors.js';
import {
  FILE_TOO_LARGE,
  isUploadFieldName,
  parseUploadFields,
  type UploadFieldName,
  type UploadFields,
} from './upload-body.js';

/** The multipart form's file part, as the JSON body's field. */
const DOCUMENT_PART = 'document';
/** Each text field's largest value: a 100-character filename or an email address fits many times over. */
const MAX_FIELD_BYTES = 4096;

export interface MultipartUploadOptions {
  maxFileSize: number;
  /** Aborting it ends the read: its reason is what the read rejects with. */
  signal: AbortSignal;
  /** Each chunk of the file in order; the body is read on only once its promise resolves (backpressure). */
  onFileChunk(chunk: Buffer): Promise<void>;
  /** The fields read so far, after each one that is valid. */
  onFields?(fields: UploadFields): void;
}

/**
 * Reads an upload's multipart form once, in order: the file (part `document`) is handed over chunk by chunk;
 * the optional fields may come before or after it and are each checked as they arrive, with the JSON upload's
 * messages. Resolves with the fields once the whole form has been read; rejects with an ApiError (400 bad
 * form or field, 413 the moment the file passes `maxFileSize`) or the signal's reason.
 */
export function readMultipartUpload(
  request: IncomingMessage,
  options: MultipartUploadOptions,
): Promise<UploadFields> {
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: request.headers as BusboyHeaders,
      isPartAFile: (name) => name === DOCUMENT_PART,
      limits: {
        // One byte past the limit is enough to know.
        fileSize: options.maxFileSize + 1,
        files: 1,
        fields: 20,
        fieldSize: MAX_FIELD_BYTES,
        parts: 30,
        headerPairs: 20,
      },
    });
  } catch {
    throw new ApiError(400, 'Multipart body has no boundary');
  }

  return new Promise<UploadFields>((resolve, reject) => {
    const values: Partial<Record<UploadFieldName, unknown>> = {};
    let sawDocument = false;
    let fileDone = false;
    let formDone = false;
    let settled = false;

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      // The rest of the body is not read here: the answer closes the connection (after a bounded linger).
      request.unpipe(parser);
      reject(error);
    };
    const finishIfDone = () => {
      if (settled || !formDone || (sawDocument && !fileDone)) return;
      if (!sawDocument) return fail(new ApiError(400, 'No document upload'));
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      try {
        resolve(parseUploadFields(values));
      } catch (error) {
        reject(error);
      }
    };
    const onAbort = () => fail(options.signal.reason);
    if (options.signal.aborted) return onAbort();
    options.signal.addEventListener('abort', onAbort, { once: true });

    parser.on('field', (name, value, _nameTruncated, valueTruncated) => {
      if (settled || !isUploadFieldName(name)) return;
      try {
        if (Object.hasOwn(values, name)) throw new ApiError(400, `\`${name}\` must be given once`);
        if (valueTruncated) throw new ApiError(400, `\`${name}\` is too long`);
        values[name] = formFieldValue(name, value);
        // Checked now, so a bad field before the file stops the upload before its bytes are sent.
        parseUploadFields({ [name]: values[name] });
        options.onFields?.(parseUploadFields(values));
      } catch (error) {
        fail(error);
      }
    });
    parser.on('file', (_name, file: BusboyFileStream) => {
      sawDocument = true;
      readFile(file, options).then(
        () => {
          fileDone = true;
          finishIfDone();
        },
        (error: unknown) => {
          file.resume();
          fail(error);
        },
      );
    });
    parser.on('filesLimit', () => fail(new ApiError(400, 'Send one document per upload')));
    parser.on('partsLimit', () => fail(new ApiError(400, 'Too many parts in the form')));
    parser.on('fieldsLimit', () => fail(new ApiError(400, 'Too many fields in the form')));
    parser.on('finish', () => {
      formDone = true;
      finishIfDone();
    });
    parser.on('error', () => fail(new ApiError(400, 'Malformed multipart body')));
    request.on('error', (error) => fail(error));
    request.pipe(parser);
  });
}

/** Hands the file over chunk by chunk; a form that ends inside the file is malformed. */
async function readFile(file: BusboyFileStream, options: MultipartUploadOptions): Promise<void> {
  const chunks = (file as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let bytes = 0;
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } catch {
      throw options.signal.aborted ? options.signal.reason : new ApiError(400, 'Malformed multipart body');
    }
    if (next.done) return;
    bytes += next.value.length;
    if (bytes > options.maxFileSize) throw new ApiError(413, FILE_TOO_LARGE);
    await options.onFileChunk(next.value);
  }
}

/** A form's text as the JSON body's value: `is_csv` is "true" or "false"; the others are strings. */
function formFieldValue(name: UploadFieldName, value: string): unknown {
  if (name !== 'is_csv') return value;
  return value === 'true' ? true : value === 'false' ? false : value;
}
