import { createHash } from 'node:crypto';
import { type Stats, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isUuid } from '../common/ids.js';

/** A sending service as the directory knows it. */
export interface ServiceRecord {
  id: string;
  name: string;
  contact_link: string;
  /** Bearer tokens that may upload for this service only. */
  upload_tokens?: string[];
}

export class ServicesFileError extends Error {
  override readonly name = 'ServicesFileError';
}

/** Where the services file lives in a data folder. */
export function servicesFilePath(dataDir: string): string {
  return join(dataDir, 'services.json');
}

/** Parses and checks a services file's text: `{"services": [{id, name, contact_link, upload_tokens?}]}`. */
export function parseServicesFile(text: string, source = 'services file'): ServiceRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ServicesFileError(`${source} is not valid JSON`);
  }
  const list = (json as { services?: unknown } | null)?.services;
  if (!Array.isArray(list)) throw new ServicesFileError(`${source} has no "services" list`);
  const seen = new Set<string>();
  return list.map((entry: unknown, index) => {
    const where = `${source}, service ${index + 1}`;
    if (typeof entry !== 'object' || entry === null) throw new ServicesFileError(`${where} is not an object`);
    const { id, name, contact_link: contactLink, upload_tokens: tokens } = entry as Record<string, unknown>;
    if (typeof id !== 'string' || !isUuid(id)) throw new ServicesFileError(`${where}: "id" must be a UUID`);
    const normalisedId = id.toLowerCase();
    if (seen.has(normalisedId)) throw new ServicesFileError(`${where}: id ${id} appears twice`);
    seen.add(normalisedId);
    if (typeof name !== 'string' || name.trim() === '')
      throw new ServicesFileError(`${where}: "name" is required`);
    if (typeof contactLink !== 'string') throw new ServicesFileError(`${where}: "contact_link" must be text`);
    if (
      tokens !== undefined &&
      !(Array.isArray(tokens) && tokens.every((t) => typeof t === 'string' && t !== ''))
    ) {
      throw new ServicesFileError(`${where}: "upload_tokens" must be a list of non-empty strings`);
    }
    const record: ServiceRecord = { id: normalisedId, name, contact_link: contactLink };
    if (tokens) record.upload_tokens = tokens as string[];
    return record;
  });
}

/**
 * The services file on disk, re-read when it changes, so that `document-download services add` takes effect
 * in running processes without a restart. A hit looks at the file at most once a second; a miss always looks
 * again before answering, so a service (or upload token) added a moment ago is found at once.
 */
export class ServicesFile {
  private records: ServiceRecord[] = [];
  private byId = new Map<string, ServiceRecord>();
  private byTokenDigest = new Map<string, ServiceRecord>();
  private loadedVersion = '';
  /** A version that did not parse: not read again until the file changes once more. */
  private brokenVersion: string | undefined;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.refresh('start');
  }

  find(serviceId: string): ServiceRecord | undefined {
    const id = serviceId.toLowerCase();
    return this.lookUp(() => this.byId.get(id));
  }

  list(): readonly ServiceRecord[] {
    this.refresh('now');
    return this.records;
  }

  /** The service a per-service upload token belongs to, if any (looked up by digest, not compared as text). */
  serviceForToken(token: string): ServiceRecord | undefined {
    const digest = tokenDigest(token);
    return this.lookUp(() => this.byTokenDigest.get(digest));
  }

  private lookUp(get: () => ServiceRecord | undefined): ServiceRecord | undefined {
    this.refresh('throttled');
    const found = get();
    if (found) return found;
    this.refresh('now');
    return get();
  }

  private refresh(when: 'start' | 'throttled' | 'now'): void {
    const now = this.now();
    if (when === 'throttled' && now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const version = fileVersion(this.path);
    if (version === this.loadedVersion || version === this.brokenVersion) return;
    if (version === '') {
      this.use([], version);
      return;
    }
    // A broken edit keeps the last good list in running processes; start-up reports it.
    try {
      this.use(parseServicesFile(readFileSync(this.path, 'utf8'), this.path), version);
    } catch (error) {
      if (when === 'start') throw error;
      this.brokenVersion = version;
    }
  }

  private use(records: ServiceRecord[], version: string): void {
    this.records = records;
    this.byId = new Map(records.map((record) => [record.id, record]));
    this.byTokenDigest = new Map(
      records.flatMap((record) =>
        (record.upload_tokens ?? []).map((token) => [tokenDigest(token), record] as const),
      ),
    );
    this.loadedVersion = version;
  }
}

/**
 * What identifies one version of the file ('' when there is none). Every write replaces the file by a rename,
 * so its inode changes even when two writes land within the same mtime tick.
 */
function fileVersion(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return '';
  }
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Writes the services list atomically (temp file, then rename). */
export function writeServicesFile(path: string, records: readonly ServiceRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ services: records }, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
