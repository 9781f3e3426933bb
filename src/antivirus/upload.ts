import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { IncomingMessage } from 'node:http';
import type { ScanVerdict } from './clamd.js';

/** An answer given on purpose: sent as {"error": message}. */
export class AntivirusHttpError extends Error {
  override readonly name = 'AntivirusHttpError';
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Scanner {
  scan(file: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ScanVerdict>;
}

export interface UploadScan {
  verdict: ScanVerdict;
  bytes: number;
}

/** Room for the multipart framing around the file when a Content-Length is checked up front. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Reads the multipart body (Notify's contract: the file in the `document` field) and streams the file to the
 * scanner as it arrives: busboy hands over each chunk and reads on only once the scanner has written it to
 * clamd, so one chunk at a time is in memory. Other fields are read (truncated to 1 KiB) and ignored.
 */
export function scanUpload(
  request: IncomingMessage,
  scanner: Scanner,
  options: {
    maxFileSize: number;
    signal: AbortSignal;
    /** Called when the file's part begins: from then on the scanner's own progress rule bounds the wait. */
    onFileStart?: () => void;
  },
): Promise<UploadScan> {
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: request.headers as BusboyHeaders,
      isPartAFile: (name) => name === 'document',
      limits: {
        fileSize: options.maxFileSize,
        files: 1,
        fields: 20,
        fieldSize: 1024,
        parts: 40,
        headerPairs: 50,
      },
    });
  } catch {
    // Not multipart, or no boundary: there is no document in it.
    return Promise.reject(new AntivirusHttpError(400, 'No document upload'));
  }

  return new Promise<UploadScan>((resolve, reject) => {
    let settled = false;
    let sawDocument = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      // Whatever is left of the body is read and dropped, so the connection can be reused.
      request.unpipe(parser);
      request.resume();
      outcome();
    };

    parser.on('file', (_field, file) => {
      sawDocument = true;
      options.onFileStart?.();
      const tooLarge = new AbortController();
      let malformed = false;
      file.on('limit', () =>
        tooLarge.abort(new AntivirusHttpError(413, `File is larger than ${options.maxFileSize} bytes`)),
      );
      file.on('error', () => (malformed = true));
      scanner.scan(file, AbortSignal.any([options.signal, tooLarge.signal])).then(
        (verdict) => settle(() => resolve({ verdict, bytes: file.bytesRead })),
        (error: unknown) =>
          settle(() =>
            reject(
              tooLarge.signal.aborted
                ? tooLarge.signal.reason
                : malformed
                  ? new AntivirusHttpError(400, 'Malformed multipart body')
                  : error,
            ),
          ),
      );
    });
    parser.on('filesLimit', () =>
      settle(() => reject(new AntivirusHttpError(400, 'Send one document per scan'))),
    );
    parser.on('finish', () => {
      if (!sawDocument) settle(() => reject(new AntivirusHttpError(400, 'No document upload')));
    });
    parser.on('error', () => settle(() => reject(new AntivirusHttpError(400, 'Malformed multipart body'))));
    request.pipe(parser);
  });
}
