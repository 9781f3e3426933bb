import { randomBytes } from 'node:crypto';
import { close, closeSync, fstatSync, openSync, read, readFileSync, readSync } from 'node:fs';
import { access, mkdir, readFile, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isUuid } from '../../common/ids.js';
import { isExpired } from '../expiry.js';
import {
  DocumentNotFoundError,
  type ByteRange,
  type DocumentMetadata,
  type DocumentStore,
  type NewDocument,
  type StagedDocument,
  type StagedDocumentStart,
  type OpenedDocument,
} from './document-store.js';
import {
  type ClearMetadata,
  type DataFileSource,
  decryptingStream,
  DEFAULT_CHUNK_BYTES,
  HEADER_BYTES,
  type Header,
  type Keys,
  openDocument,
  StreamSealer,
  type StoredMetadata,
} from './encrypted-format.js';
import { LocalStagedDocument, unlinkQuietly, writeFileDurably } from './local-staged-write.js';
import { isMissing } from './storage-errors.js';
import { currentOwner, formatOwner, ownerIsGone, parseOwner } from './write-owner.js';

/*
 * Local encrypted files (the format is in encrypted-format.ts). For each document, in `{root}/{service_id}/`:
 *   {document_id}.data   the content, sealed under the document's key
 *   {document_id}.meta   JSON metadata, the filename and email hash sealed under the same key
 *
 * Writes are streamed (local-staged-write.ts) into temporary files in `{root}/.staging/`, fsynced, then renamed
 * into place, data first and metadata last: the metadata file is the commit point, so a crash at any moment
 * leaves the whole document or nothing readable. A temporary file's name says who writes it
 * (`{service_id}.{document_id}.{owner}.{random}.{data|meta}.tmp`, owner as in write-owner.ts), so that when the
 * store opens it removes those of writers that died, and no crash leaves a temporary file past the next start.
 */

/** Leftovers of the write path before staging (temporary files in the service folders): removed by purge. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/**
 * Temporaries whose writer cannot be checked (written on another host sharing the folder) are removed after
 * this long: far beyond any upload the API lets run (the streamed upload's stall and minimum-rate rules).
 */
export const ABANDONED_WRITE_MS = 24 * 60 * 60 * 1000;
const STAGING = '.staging';

export interface LocalStoreOptions {
  /** Folder holding the documents (created when missing). */
  root: string;
  chunkBytes?: number;
  /** fsync files and folders before renaming; on by default (tests of throughput may turn it off). */
  durable?: boolean;
  /** Test seam: awaited just before each rename of a write, to crash a process at exactly that point. */
  beforeRename?: (step: 'data' | 'meta') => Promise<void>;
}

export class LocalDocumentStore implements DocumentStore {
  private readonly root: string;
  private readonly stagingDir: string;
  private readonly chunkBytes: number;
  private readonly durable: boolean;
  private readonly beforeRename: LocalStoreOptions['beforeRename'];
  private startupCleanup: Promise<unknown> | undefined;

  constructor(options: LocalStoreOptions) {
    this.root = options.root;
    this.stagingDir = join(this.root, STAGING);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.durable = options.durable ?? true;
    this.beforeRename = options.beforeRename;
  }

  /** Opens the store, first removing what writers that died (a crash, kill -9) left behind. */
  static async open(options: LocalStoreOptions): Promise<LocalDocumentStore> {
    const store = new LocalDocumentStore(options);
    store.startupCleanup = store.removeAbandonedWrites();
    await store.startupCleanup;
    return store;
  }

  async put(document: NewDocument): Promise<void> {
    const staged = await this.stage(document);
    try {
      await staged.write(document.content);
      await staged.commit(document.metadata);
    } catch (error) {
      await staged.abort();
      throw error;
    }
  }

  async stage(start: StagedDocumentStart): Promise<StagedDocument> {
    const { serviceId, documentId, key } = start;
    const serviceDir = this.serviceDir(serviceId);
    checkId(documentId);
    if (key.length !== 32) throw new Error('local store: the document key must be 32 bytes');
    // A store made with `new` rather than `open` still clears up after dead writers, before its first write.
    this.startupCleanup ??= this.removeAbandonedWrites().catch(() => undefined);
    await this.startupCleanup;
    await mkdir(this.stagingDir, { recursive: true });
    const base = join(
      this.stagingDir,
      `${serviceId.toLowerCase()}.${documentId.toLowerCase()}.${formatOwner(currentOwner())}.${randomBytes(6).toString('hex')}`,
    );
    return LocalStagedDocument.create(
      new StreamSealer(key, serviceId, documentId, this.chunkBytes),
      {
        dataTemp: `${base}.data.tmp`,
        metaTemp: `${base}.meta.tmp`,
        serviceDir,
        dataPath: this.dataPath(serviceId, documentId),
        metaPath: this.metaPath(serviceId, documentId),
      },
      { durable: this.durable, beforeRename: this.beforeRename },
    );
  }

  /**
   * Removes the temporary files of staged writes whose writer is gone (its process no longer runs), or, when
   * that cannot be checked (another host), that are older than ABANDONED_WRITE_MS; and the data file of a commit
   * that died between its two renames. Returns how many temporary files it removed.
   */
  async removeAbandonedWrites(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const name of await listQuietly(this.stagingDir)) {
      const path = join(this.stagingDir, name);
      const parsed = parseTempName(name);
      let gone = parsed ? ownerIsGone(parsed.owner) : undefined;
      if (gone === undefined) {
        const info = await stat(path).catch(() => undefined);
        if (!info) continue;
        gone = now - info.mtimeMs > ABANDONED_WRITE_MS;
      }
      if (!gone) continue;
      if (parsed?.kind === 'meta' && isUuid(parsed.serviceId) && isUuid(parsed.documentId)) {
        const committed = await access(this.metaPath(parsed.serviceId, parsed.documentId)).then(
          () => true,
          () => false,
        );
        if (!committed) await unlinkQuietly(this.dataPath(parsed.serviceId, parsed.documentId));
      }
      await unlinkQuietly(path);
      removed++;
    }
    return removed;
  }

  async getMetadata(serviceId: string, documentId: string, key: Buffer): Promise<DocumentMetadata> {
    return this.verify(serviceId, documentId, key).metadata;
  }

  async open(serviceId: string, documentId: string, key: Buffer, range?: ByteRange): Promise<OpenedDocument> {
    const { metadata, header, keys, fd } = this.verify(serviceId, documentId, key, true);
    const first = range ? Math.max(0, range.start) : 0;
    const last = range ? Math.min(range.end, header.size - 1) : header.size - 1;
    if (range && (first > last || first >= header.size)) {
      closeSync(fd);
      throw new RangeError('range not satisfiable');
    }
    // The descriptor that proved the key reads the content: the same file even if it is replaced meanwhile,
    // and no second open.
    return { metadata, body: decryptingStream(descriptorSource(fd), header, keys, first, last) };
  }

  async setBlocked(serviceId: string, documentId: string, blocked: boolean): Promise<void> {
    const stored = await this.readMeta(serviceId, documentId);
    stored.blocked = blocked;
    const path = this.metaPath(serviceId, documentId);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFileDurably(temp, Buffer.from(JSON.stringify(stored)), this.durable);
      await rename(temp, path);
    } catch (error) {
      await unlinkQuietly(temp);
      throw error;
    }
  }

  async delete(serviceId: string, documentId: string): Promise<void> {
    this.serviceDir(serviceId);
    checkId(documentId);
    // Metadata first: once it is gone the document is unreadable, whatever happens to the data file.
    await unlinkQuietly(this.metaPath(serviceId, documentId));
    await unlinkQuietly(this.dataPath(serviceId, documentId));
  }

  async purgeExpired(now: Date): Promise<number> {
    await this.removeAbandonedWrites();
    let purged = 0;
    for (const serviceId of await listQuietly(this.root)) {
      if (!isUuid(serviceId)) continue;
      const dir = join(this.root, serviceId);
      const names = await listQuietly(dir);
      const metas = new Set(names.filter((n) => n.endsWith('.meta')).map((n) => n.slice(0, -5)));
      for (const name of names) {
        const path = join(dir, name);
        if (name.endsWith('.meta')) {
          const documentId = name.slice(0, -5);
          const stored = await this.readMeta(serviceId, documentId).catch(() => undefined);
          if (stored && isExpired(expiryFacts(stored), now)) {
            await this.delete(serviceId, documentId);
            purged++;
          }
        } else if (name.endsWith('.tmp') || (name.endsWith('.data') && !metas.has(name.slice(0, -5)))) {
          // Leftovers of interrupted writes (never readable): remove once clearly abandoned.
          const info = await stat(path).catch(() => undefined);
          if (info && now.getTime() - info.mtimeMs > STALE_TEMP_MS) await unlinkQuietly(path);
        }
      }
    }
    return purged;
  }

  private serviceDir(serviceId: string): string {
    checkId(serviceId);
    return join(this.root, serviceId.toLowerCase());
  }

  private dataPath(serviceId: string, documentId: string): string {
    return join(this.serviceDir(serviceId), `${documentId.toLowerCase()}.data`);
  }

  private metaPath(serviceId: string, documentId: string): string {
    return join(this.serviceDir(serviceId), `${documentId.toLowerCase()}.meta`);
  }

  private async readMeta(serviceId: string, documentId: string): Promise<StoredMetadata> {
    if (!isUuid(serviceId) || !isUuid(documentId)) throw new DocumentNotFoundError('document not found');
    let text: string;
    try {
      text = await readFile(this.metaPath(serviceId, documentId), 'utf8');
    } catch (error) {
      if (isMissing(error)) throw new DocumentNotFoundError('document not found');
      throw error;
    }
    return JSON.parse(text) as StoredMetadata;
  }

  /**
   * Reads the metadata and the data file's header and checks the key against the header MAC. Synchronous on
   * purpose: two small reads from a local disk (page cache) cost microseconds, less than handing each step to
   * the thread pool, and this runs on every check, authenticate and download. With `keepOpen`, the data file's
   * descriptor is returned open (the caller closes it).
   */
  private verify(
    serviceId: string,
    documentId: string,
    key: Buffer,
    keepOpen: true,
  ): Verified & { fd: number };
  private verify(serviceId: string, documentId: string, key: Buffer): Verified;
  private verify(
    serviceId: string,
    documentId: string,
    key: Buffer,
    keepOpen = false,
  ): Verified & { fd?: number } {
    // Made only when needed: an error captures a stack trace, which costs more than the rest of this check.
    const notFound = () => new DocumentNotFoundError('document not found');
    if (!isUuid(serviceId) || !isUuid(documentId)) throw notFound();
    let text: string;
    const raw = Buffer.alloc(HEADER_BYTES);
    let bytesRead: number;
    let dataLength: number;
    let fd: number;
    try {
      // The metadata file is the commit point: without it the data is an unfinished write.
      text = readFileSync(this.metaPath(serviceId, documentId), 'utf8');
      fd = openSync(this.dataPath(serviceId, documentId), 'r');
    } catch (error) {
      if (isMissing(error)) throw notFound();
      throw error;
    }
    let opened: Verified | undefined;
    try {
      bytesRead = readSync(fd, raw, 0, HEADER_BYTES, 0);
      dataLength = fstatSync(fd).size;
      opened = openDocument(
        JSON.parse(text) as StoredMetadata,
        raw.subarray(0, bytesRead),
        dataLength,
        key,
        serviceId,
        documentId,
      );
    } finally {
      if (!keepOpen || !opened) closeSync(fd);
    }
    if (!opened) throw notFound();
    return keepOpen ? { ...opened, fd } : opened;
  }
}

type Verified = { metadata: DocumentMetadata; header: Header; keys: Keys };

/** Reads of an open data file by its descriptor (callback fs: no FileHandle object and promise per read). */
function descriptorSource(fd: number): DataFileSource {
  return {
    read: (buffer, position) =>
      new Promise((resolve, reject) => {
        read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
          error ? reject(error) : resolve(bytesRead),
        );
      }),
    close: () => new Promise((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve()))),
  };
}

/** What purge needs, from the clear part alone. */
function expiryFacts(stored: ClearMetadata): { createdAt: Date; retentionPeriod: string } {
  return { createdAt: new Date(stored.createdAt), retentionPeriod: stored.retentionPeriod };
}

function checkId(id: string): void {
  // Ids become file names: only UUIDs, so no path can be smuggled in.
  if (!isUuid(id)) throw new DocumentNotFoundError('document not found');
}

/** The parts of a staged write's temporary file name. */
function parseTempName(
  name: string,
):
  | { serviceId: string; documentId: string; owner: NonNullable<ReturnType<typeof parseOwner>>; kind: string }
  | undefined {
  const parts = name.split('.');
  if (parts.length !== 6 || parts[5] !== 'tmp') return undefined;
  const [serviceId, documentId, ownerTag, , kind] = parts as [string, string, string, string, string];
  const owner = parseOwner(ownerTag);
  if (!owner || (kind !== 'data' && kind !== 'meta')) return undefined;
  return { serviceId, documentId, owner, kind };
}

async function listQuietly(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
