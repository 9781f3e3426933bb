import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';

export class AntivirusError extends Error {
  override readonly name = 'AntivirusError';
}

export interface AntivirusScanner {
  /**
   * True when the file is clean, false when it holds a virus; AntivirusError when the service fails. A stream
   * is sent as it is read (the service waits for more while the file is still arriving).
   */
  scan(content: Buffer | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<boolean>;
}

export interface AntivirusClientOptions {
  host: string;
  apiKey: string;
  /** Time for the service's answer once the whole file has been sent. */
  timeoutMs: number;
  extraHeaders?: () => Record<string, string>;
}

/**
 * Notify's antivirus service contract: POST {host}/scan, multipart form with the file in `document`,
 * `Authorization: Bearer {key}`, answer `{"ok": true|false}`. The form is written around the file as it
 * streams, so a file of any size costs one chunk of memory.
 */
export class AntivirusClient implements AntivirusScanner {
  constructor(private readonly options: AntivirusClientOptions) {}

  async scan(content: Buffer | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<boolean> {
    const boundary = `----document-download-${randomBytes(16).toString('hex')}`;
    // The answer's timer starts once the last byte is handed over: a long upload is not the service's delay.
    const answerTimeout = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const startAnswerTimer = () => {
      timer = setTimeout(
        () => answerTimeout.abort(new AntivirusError('antivirus answer timed out')),
        this.options.timeoutMs,
      );
    };
    let status: number;
    let body: unknown;
    try {
      const response = await request(`${this.options.host}/scan`, {
        method: 'POST',
        body: Readable.from(
          multipartFile(boundary, Buffer.isBuffer(content) ? [content] : content, startAnswerTimer),
          { objectMode: false },
        ),
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          ...(this.options.extraHeaders?.() ?? {}),
        },
        signal: signal ? AbortSignal.any([signal, answerTimeout.signal]) : answerTimeout.signal,
      });
      status = response.statusCode;
      body = await response.body.json().catch(() => undefined);
    } catch (error) {
      throw new AntivirusError(`antivirus request failed: ${(error as Error).name}`);
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status >= 300) throw new AntivirusError(`antivirus answered ${status}`);
    const ok = (body as { ok?: unknown } | undefined)?.ok;
    if (typeof ok !== 'boolean') throw new AntivirusError('antivirus answer has no "ok"');
    return ok;
  }
}

/** A multipart/form-data body holding one file part, `document`, read from `file` as the request is sent. */
async function* multipartFile(
  boundary: string,
  file: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  onFileEnd: () => void,
): AsyncGenerator<Uint8Array> {
  yield Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="document"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  for await (const chunk of file) yield chunk;
  onFileEnd();
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}
