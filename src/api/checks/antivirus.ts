import { FormData, request } from 'undici';

export class AntivirusError extends Error {
  override readonly name = 'AntivirusError';
}

export interface AntivirusScanner {
  /** True when the file is clean, false when it holds a virus; AntivirusError when the service fails. */
  scan(content: Buffer, signal?: AbortSignal): Promise<boolean>;
}

export interface AntivirusClientOptions {
  host: string;
  apiKey: string;
  timeoutMs: number;
  extraHeaders?: () => Record<string, string>;
}

/**
 * Notify's antivirus service contract: POST {host}/scan, multipart form with the file in `document`,
 * `Authorization: Bearer {key}`, answer `{"ok": true|false}`.
 */
export class AntivirusClient implements AntivirusScanner {
  constructor(private readonly options: AntivirusClientOptions) {}

  async scan(content: Buffer, signal?: AbortSignal): Promise<boolean> {
    const form = new FormData();
    form.append('document', new Blob([content as Uint8Array<ArrayBuffer>]), 'document');
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let status: number;
    let body: unknown;
    try {
      const response = await request(`${this.options.host}/scan`, {
        method: 'POST',
        body: form,
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          ...(this.options.extraHeaders?.() ?? {}),
        },
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = response.statusCode;
      body = await response.body.json().catch(() => undefined);
    } catch (error) {
      throw new AntivirusError(`antivirus request failed: ${(error as Error).name}`);
    }
    if (status < 200 || status >= 300) throw new AntivirusError(`antivirus answered ${status}`);
    const ok = (body as { ok?: unknown } | undefined)?.ok;
    if (typeof ok !== 'boolean') throw new AntivirusError('antivirus answer has no "ok"');
    return ok;
  }
}
