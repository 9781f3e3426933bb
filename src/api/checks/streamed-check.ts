import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ApiError } from '../errors.js';
import { AntivirusError } from './antivirus.js';
import type { FileCheckDeps } from './check-file.js';
import { FileTypeError, resolveMimetype, StreamedTypeDetector } from './mimetype.js';

/** What decides the stored type besides the bytes; a streamed upload's fields may come after the file. */
export interface TypeFields {
  isCsv: boolean;
  filename: string | undefined;
}

const SCAN_BUFFER_BYTES = 64 * 1024;

/**
 * The upload's checks on a file read once, as it arrives: each chunk goes to the antivirus service (streamed,
 * with backpressure) and to the type detector's bounded prefix. `finish` gives the verdicts in the order the
 * JSON upload gives them: the virus scan's first, then the type. Nothing is cached: the result of a streamed
 * file is only known once the file has been read, when the cache could no longer save any work.
 */
export class StreamedFileCheck {
  private readonly types = new StreamedTypeDetector();
  private readonly toScanner: PassThrough | undefined;
  private readonly verdict: Promise<boolean> | undefined;
  private scanFailure: unknown;
  private ended = false;

  constructor(deps: Pick<FileCheckDeps, 'antivirus'>, signal: AbortSignal) {
    if (!deps.antivirus) return;
    this.toScanner = new PassThrough({ highWaterMark: SCAN_BUFFER_BYTES });
    this.verdict = deps.antivirus.scan(this.toScanner, signal);
    // Seen at the next write: an outage (or an answer before the whole file was sent) ends the upload then.
    this.verdict.then(
      (clean) => {
        if (this.ended) return;
        this.scanFailure = clean
          ? new AntivirusError('antivirus answered before the whole file was sent')
          : new ApiError(400, 'File did not pass the virus scan');
        this.toScanner?.destroy();
      },
      (error: unknown) => {
        this.scanFailure = error;
        this.toScanner?.destroy();
      },
    );
  }

  get bytes(): number {
    return this.types.bytes;
  }

  /** Takes the next chunk; resolves when the antivirus service can take more. */
  async write(chunk: Buffer): Promise<void> {
    this.throwIfScanFailed();
    this.types.push(chunk);
    const scanner = this.toScanner;
    if (!scanner || scanner.write(chunk)) return;
    await Promise.race([once(scanner, 'drain'), this.verdict?.catch(() => undefined)]);
    this.throwIfScanFailed();
  }

  /** The stored type once the whole file has been written, or the ApiError the JSON upload would give. */
  async finish(fields: TypeFields): Promise<string> {
    if (this.types.bytes === 0) throw new ApiError(400, 'Document must not be empty');
    this.ended = true;
    if (this.verdict) {
      this.throwIfScanFailed();
      this.toScanner?.end();
      const clean = await this.verdict.catch((error: unknown) => {
        throw scanError(error);
      });
      if (!clean) throw new ApiError(400, 'File did not pass the virus scan');
    }
    try {
      return resolveMimetype(await this.types.detect(), fields.isCsv, fields.filename);
    } catch (error) {
      if (error instanceof FileTypeError) throw new ApiError(400, error.message);
      throw error;
    }
  }

  /**
   * The type the file would be stored as, from the bytes so far and these fields; undefined while no byte has
   * come or when the type would be refused.
   */
  async typeSoFar(fields: TypeFields): Promise<string | undefined> {
    if (this.types.bytes === 0) return undefined;
    try {
      return resolveMimetype(await this.types.detect(), fields.isCsv, fields.filename);
    } catch (error) {
      if (error instanceof FileTypeError) return undefined;
      throw error;
    }
  }

  /** Stops the scan (the antivirus service sees its request cut off). */
  abort(): void {
    this.toScanner?.destroy(new Error('upload abandoned'));
  }

  private throwIfScanFailed(): void {
    if (this.scanFailure !== undefined) throw scanError(this.scanFailure);
  }
}

function scanError(error: unknown): unknown {
  return error instanceof AntivirusError ? new ApiError(503, 'Antivirus API error') : error;
}
