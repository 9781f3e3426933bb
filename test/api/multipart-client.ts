// A streamed (multipart) upload sent the way a test needs it: fields before and after the file, the file in
// pieces with pauses, or cut off part-way.
import { request as httpRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request as undiciRequest } from 'undici';
import { AUTH_TOKEN, SERVICE_ID, type RunningApi } from '../helpers/api-harness.js';
import { documentApiPaths } from '../../src/common/routes.js';

const BOUNDARY = 'test-boundary-3f9a1c';

export type Part = { field: string; value: string } | { file: Buffer | Buffer[]; name?: string };

export interface SendOptions {
  path?: string;
  /** Pause before each piece of the file (the file is sent as its pieces). */
  gapMs?: number;
  /** Stop sending after this many pieces of the file and keep the connection open (a stall)… */
  stallAfterPieces?: number;
  /** …or destroy the connection after them (a client that goes away). */
  disconnectAfterPieces?: number;
  authorization?: string;
}

export interface SentAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in tests
  body: any;
  /** Milliseconds from the start to the answer. */
  ms: number;
  /** Whether the answer came before the whole body had been sent. */
  early: boolean;
}

function fieldPart(name: string, value: string): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
}

function fileHead(name: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="document"; filename="${name}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
}

const CLOSE = Buffer.from(`--${BOUNDARY}--\r\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The pieces of a multipart body in order; the file's own pieces are marked so pauses go between them. */
function pieces(parts: Part[]): Array<{ bytes: Buffer; filePiece: boolean }> {
  const out: Array<{ bytes: Buffer; filePiece: boolean }> = [];
  for (const part of parts) {
    if ('field' in part) {
      out.push({ bytes: fieldPart(part.field, part.value), filePiece: false });
      continue;
    }
    out.push({ bytes: fileHead(part.name ?? 'file.bin'), filePiece: false });
    for (const piece of Array.isArray(part.file) ? part.file : [part.file]) {
      out.push({ bytes: piece, filePiece: true });
    }
    out.push({ bytes: Buffer.from('\r\n'), filePiece: false });
  }
  out.push({ bytes: CLOSE, filePiece: false });
  return out;
}

/** Sends a multipart upload with a Content-Length; resolves with the answer (or status 0 when none came). */
export function sendMultipart(
  api: RunningApi,
  parts: Part[],
  options: SendOptions = {},
): Promise<SentAnswer> {
  const body = pieces(parts);
  const length = body.reduce((sum, piece) => sum + piece.bytes.length, 0);
  const url = new URL(`${api.url}${options.path ?? documentApiPaths.upload(SERVICE_ID)}`);
  const started = Date.now();
  return new Promise((resolve) => {
    let sentAll = false;
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        Authorization: options.authorization ?? `Bearer ${AUTH_TOKEN}`,
        'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
        'Content-Length': String(length),
      },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      const early = !sentAll;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: parsed,
          ms: Date.now() - started,
          early,
        });
      });
    });
    request.on('error', () =>
      resolve({ status: 0, headers: {}, body: undefined, ms: Date.now() - started, early: !sentAll }),
    );
    void (async () => {
      let filePieces = 0;
      for (const piece of body) {
        if (request.destroyed) return;
        if (piece.filePiece) {
          if (filePieces === options.disconnectAfterPieces) {
            request.destroy();
            return;
          }
          if (filePieces === options.stallAfterPieces) return; // never sends the rest
          if (options.gapMs) await sleep(options.gapMs);
          filePieces++;
        }
        if (!request.write(piece.bytes)) await new Promise((resolve) => request.once('drain', resolve));
      }
      sentAll = true;
      request.end();
    })();
  });
}

/** Every file under a folder (the local store's documents and its temporary files), recursively. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

export interface GeneratedFile {
  size: number;
  /** Bytes written over the generated filler at `at`. */
  insert?: { at: number; bytes: Buffer };
  /** Awaited before the piece that starts at `offset` is sent (to stop a dependency part-way, say). */
  beforePiece?: (offset: number) => Promise<void>;
  fields?: Record<string, string>;
}

const MIB = 1024 * 1024;

/**
 * The bytes of a generated text file of `size` bytes (lines of letters, one reused 1 MiB block) with `insert`
 * spliced in, piece by piece.
 */
export async function* generatedFile(file: GeneratedFile): AsyncGenerator<Buffer> {
  const block = Buffer.alloc(MIB, 'abcdefghijklmnopqrstuvwxyz0123456789 the quick brown fox\n');
  for (let start = 0; start < file.size; start += MIB) {
    await file.beforePiece?.(start);
    const end = Math.min(start + MIB, file.size);
    const { insert } = file;
    if (insert && insert.at < end && insert.at + insert.bytes.length > start) {
      const piece = Buffer.from(block.subarray(0, end - start));
      const from = Math.max(0, start - insert.at);
      insert.bytes.copy(
        piece,
        Math.max(0, insert.at - start),
        from,
        from + (end - Math.max(start, insert.at)),
      );
      yield piece;
    } else {
      yield block.subarray(0, end - start);
    }
  }
}

/** Streams a generated file as a multipart upload (chunked), fields first; resolves with the answer. */
export async function sendGenerated(
  api: RunningApi,
  file: GeneratedFile,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in tests
): Promise<{ status: number; body: any }> {
  async function* body(): AsyncGenerator<Buffer> {
    for (const [name, value] of Object.entries(file.fields ?? {})) yield fieldPart(name, value);
    yield fileHead('generated.txt');
    yield* generatedFile(file);
    yield Buffer.from('\r\n');
    yield CLOSE;
  }
  const response = await undiciRequest(`${api.url}${documentApiPaths.upload(SERVICE_ID)}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${AUTH_TOKEN}`,
      'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
    },
    body: Readable.from(body()),
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: JSON.parse(text) };
}
