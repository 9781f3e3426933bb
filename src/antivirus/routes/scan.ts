import type { FastifyInstance } from 'fastify';
import { makeBearerCheck } from '../auth.js';
import { ClamdError, ClamdSizeLimitError } from '../clamd.js';
import { countScan } from '../metrics.js';
import { suspendRequestDeadline } from '../../common/request-context.js';
import { startUpstreamTimer } from '../../server/metrics.js';
import { AntivirusHttpError, MULTIPART_OVERHEAD_BYTES, scanUpload, type Scanner } from '../upload.js';

export interface ScanRouteOptions {
  apiKey: string;
  maxFileSize: number;
  scanner: Scanner;
}

/**
 * `POST /scan` (Notify's antivirus contract): multipart with the file in `document`, bearer token →
 * `{"ok": true}` clean, `{"ok": false}` virus; 413 over the file limit, 503 when clamd cannot answer (or the
 * file stops arriving for CLAMD_TIMEOUT_SECONDS). The log
 * line holds the verdict, the signature and the size, never the file or its name.
 */
export async function scanRoutes(app: FastifyInstance, options: ScanRouteOptions): Promise<void> {
  const checkBearer = makeBearerCheck(options.apiKey);
  const largestBody = options.maxFileSize + MULTIPART_OVERHEAD_BYTES;

  app.post('/scan', {
    onRequest: async (request) => {
      checkBearer(request.headers.authorization);
      const declared = Number(request.headers['content-length']);
      if (declared > largestBody) {
        countScan('too_large');
        throw new AntivirusHttpError(413, `File is larger than ${options.maxFileSize} bytes`);
      }
    },
    handler: async (request) => {
      const done = startUpstreamTimer('clamd');
      try {
        const { verdict, bytes } = await scanUpload(request.raw, options.scanner, {
          maxFileSize: options.maxFileSize,
          signal: request.deadline,
          // A large file streamed on from a slow upload may take longer than the request deadline; while it
          // arrives, clamd's progress timeout (CLAMD_TIMEOUT_SECONDS without a chunk) bounds it instead.
          onFileStart: () => suspendRequestDeadline(request),
        });
        done(200);
        if (verdict.clean) {
          countScan('clean');
          request.log.info({ verdict: 'clean', bytes }, 'scan: clean');
        } else {
          countScan('virus');
          request.log.warn({ verdict: 'virus', signature: verdict.signature, bytes }, 'scan: virus found');
        }
        return { ok: verdict.clean };
      } catch (error) {
        throw classify(error, request.log, done);
      }
    },
  });
}

function classify(
  error: unknown,
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
  done: (status: number | 'timeout' | 'error') => void,
): unknown {
  if (error instanceof ClamdError) {
    done(error.failure === 'timeout' ? 'timeout' : 'error');
    countScan('unavailable');
    log.error({ clamd: error.failure, reason: error.message }, 'scan: clamd could not answer');
    return new AntivirusHttpError(
      503,
      error.failure === 'timeout' ? 'Antivirus scan timed out' : 'Antivirus scanner unavailable',
    );
  }
  if (error instanceof ClamdSizeLimitError) {
    done(413);
    countScan('too_large');
    log.warn({ reason: error.message }, 'scan: clamd refused the stream as too long');
    return new AntivirusHttpError(413, 'File is larger than the scanner accepts');
  }
  if (error instanceof AntivirusHttpError) {
    done(error.statusCode);
    countScan(error.statusCode === 413 ? 'too_large' : 'bad_request');
    log.warn({ verdict: 'refused', status: error.statusCode, reason: error.message }, 'scan: refused');
  }
  return error;
}
