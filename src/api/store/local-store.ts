import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
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
import { bufferedStage } from './buffered-stage.js';
import {
  type ClearMetadata,
  decryptingStream,
  DEFAULT_CHUNK_BYTES,
  HEADER_BYTES,
  type Header,
  type Keys,
  openDocument,
  sealDocument,
  type StoredMetadata,
} from './encrypted-format.js';
import { isMissing } from './storage-errors.js';

/*
 * Local encrypted files (the format is in encrypted-format.ts). For each document, in `{root}/{service_id}/`:
 *   {document_id}.data   the content, sealed under the document's key
 *   {document_id}.meta   JSON metadata, the filename and email hash sealed under the same key
 *
 * Writes go to temporary files that are fsynced, then renamed into place, data first and metadata last: the
 * metadata file is the commit point, so a crash at any moment leaves the whole document or nothing readable.
 */

const STALE_TEMP_MS = 60 * 60 * 1000;

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
  private readonly chunkBytes: number;
  private readonly durable: boolean;
  private readonly beforeRename: LocalStoreOptions['beforeRename'];

  constructor(options: LocalStoreOptions) {
    this.root = options.root;
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.durable = options.durable ?? true;
    this.beforeRename = options.beforeRename;
  }

  async put(document: NewDocument): Promise<void> {
    const { serviceId, documentId } = document;
    const dir = this.serviceDir(serviceId);
    checkId(documentId);
    await mkdir(dir, { recursive: true });

    const { data, metadata: stored } = sealDocument(document, this.chunkBytes);

    const suffix = randomBytes(6).toString('hex');
    const dataTemp = join(dir, `.${documentId}.${suffix}.data.tmp`);
    const metaTemp = join(dir, `.${documentId}.${suffix}.meta.tmp`);
    try {
      // Both temporary files are written and fsynced (in parallel) before anything is renamed.
      await Promise.all([
        this.writeFileDurably(dataTemp, data),
        this.writeFileDurably(metaTemp, [Buffer.from(JSON.stringify(stored))]),
      ]);
      await this.beforeRename?.('data');
      await rename(dataTemp, this.dataPath(serviceId, documentId));
      await this.beforeRename?.('meta');
      await rename(metaTemp, this.metaPath(serviceId, documentId));
      if (this.durable) await syncDirectory(dir);
    } catch (error) {
      await Promise.all([unlinkQuietly(dataTemp), unlinkQuietly(metaTemp)]);
      throw error;
    }
  }

  async stage(start: StagedDocumentStart): Promise<StagedDocument> {
    return bufferedStage(this, start);
  }

  async getMetadata(serviceId: string, documentId: string, key: Buffer): Promise<DocumentMetadata> {
    return this.verify(serviceId, documentId, key).metadata;
  }

  async open(serviceId: string, documentId: string, key: Buffer, range?: ByteRange): Promise<OpenedDocument> {
    const { metadata, header, keys } = this.verify(serviceId, documentId, key);
    const first = range ? Math.max(0, range.start) : 0;
    const last = range ? Math.min(range.end, header.size - 1) : header.size - 1;
    if (range && (first > last || first >= header.size)) throw new RangeError('range not satisfiable');
    const handle = await this.openData(serviceId, documentId);
    return { metadata, body: decryptingStream(handle, header, keys, first, last) };
  }

  async setBlocked(serviceId: string, documentId: string, blocked: boolean): Promise<void> {
    const stored = await this.readMeta(serviceId, documentId);
    stored.blocked = blocked;
    const path = this.metaPath(serviceId, documentId);
    const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await this.writeFileDurably(temp, [Buffer.from(JSON.stringify(stored))]);
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

  private async openData(serviceId: string, documentId: string): Promise<FileHandle> {
    if (!isUuid(serviceId) || !isUuid(documentId)) throw new DocumentNotFoundError('document not found');
    try {
      return await open(this.dataPath(serviceId, documentId), fsConstants.O_RDONLY);
    } catch (error) {
      if (isMissing(error)) throw new DocumentNotFoundError('document not found');
      throw error;
    }
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
   * the thread pool, and this runs on every check, authenticate and download.
   */
  private verify(
    serviceId: string,
    documentId: string,
    key: Buffer,
  ): { metadata: DocumentMetadata; header: Header; keys: Keys } {
    // Made only when needed: an error captures a stack trace, which costs more than the rest of this check.
    const notFound = () => new DocumentNotFoundError('document not found');
    if (!isUuid(serviceId) || !isUuid(documentId)) throw notFound();
    let text: string;
    const raw = Buffer.alloc(HEADER_BYTES);
    let bytesRead: number;
    try {
      // The metadata file is the commit point: without it the data is an unfinished write.
      text = readFileSync(this.metaPath(serviceId, documentId), 'utf8');
      const fd = openSync(this.dataPath(serviceId, documentId), 'r');
      try {
        bytesRead = readSync(fd, raw, 0, HEADER_BYTES, 0);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (isMissing(error)) throw notFound();
      throw error;
    }
    const opened = openDocument(
      JSON.parse(text) as StoredMetadata,
      raw.subarray(0, bytesRead),
      key,
      serviceId,
      documentId,
    );
    if (!opened) throw notFound();
    return opened;
  }

  private async writeFileDurably(path: string, parts: Buffer[]): Promise<void> {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writev(parts);
      if (this.durable) await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

/** What purge needs, from the clear part alone. */
function expiryFacts(stored: ClearMetadata): { createdAt: Date; retentionPeriod: string } {
  return { createdAt: new Date(stored.createdAt), retentionPeriod: stored.retentionPeriod };
}

function checkId(id: string): void {
  // Ids become file names: only UUIDs, so no path can be smuggled in.
  if (!isUuid(id)) throw new DocumentNotFoundError('document not found');
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}

async function listQuietly(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
