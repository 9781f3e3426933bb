import { createHash } from 'node:crypto';
import { ApiError } from '../errors.js';
import { AntivirusError, type AntivirusScanner } from './antivirus.js';
import { detectMimetype, filenameExtension, FileTypeError, resolveMimetype } from './mimetype.js';
import { CHECK_RESULT_TTL_SECONDS, type CheckResult, type CheckResultCache } from './result-cache.js';

export interface FileToCheck {
  serviceId: string;
  content: Buffer;
  isCsv: boolean;
  filename: string | undefined;
}

export interface FileCheckDeps {
  /** Absent when antivirus is turned off. */
  antivirus: AntivirusScanner | undefined;
  cache: CheckResultCache;
}

/** What the result depends on: the bytes, the filename's extension (or else is_csv), and the service. */
export function checkCacheKey(file: FileToCheck): string {
  const extension = file.filename !== undefined ? filenameExtension(file.filename) : undefined;
  return createHash('sha256')
    .update(file.content)
    .update(extension !== undefined ? `\0ext:${extension}` : `\0csv:${file.isCsv}`)
    .update(`\0service:${file.serviceId.toLowerCase()}`)
    .digest('hex');
}

/**
 * Virus scan, then type check, as Notify's API does; the stored mimetype, or an ApiError. Definite answers (clean and
 * typed, virus, wrong type) are cached for 24 hours; an antivirus outage (503) is not.
 */
export async function checkFile(
  file: FileToCheck,
  deps: FileCheckDeps,
  signal?: AbortSignal,
): Promise<string> {
  const key = checkCacheKey(file);
  const cached = await deps.cache.get(key);
  const result = cached ?? (await runChecks(file, deps, signal));
  if (!cached) await deps.cache.set(key, result, CHECK_RESULT_TTL_SECONDS);
  if ('error' in result) throw new ApiError(result.status, result.error);
  return result.mimetype;
}

async function runChecks(file: FileToCheck, deps: FileCheckDeps, signal?: AbortSignal): Promise<CheckResult> {
  if (deps.antivirus) {
    let clean: boolean;
    try {
      clean = await deps.antivirus.scan(file.content, signal);
    } catch (error) {
      if (error instanceof AntivirusError) throw new ApiError(503, 'Antivirus API error');
      throw error;
    }
    if (!clean) return { error: 'File did not pass the virus scan', status: 400 };
  }
  try {
    return { mimetype: resolveMimetype(await detectMimetype(file.content), file.isCsv, file.filename) };
  } catch (error) {
    if (error instanceof FileTypeError) return { error: error.message, status: 400 };
    throw error;
  }
}
