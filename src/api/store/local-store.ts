import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, constants as fsConstants, openSync, readFileSync, readSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isUuid } from '../../common/base64url.js';
import { isExpired } from '../expiry.js';
import {
  DocumentNotFoundError,
  type ByteRange,
  type DocumentMetadata,
  type DocumentStore,
  type NewDocument,
  type OpenedDocument,
} from './document-store.js';

/*
 * Local encrypted files. For each document, in `{root}/{service_id}/`:
 *   {document_id}.data   header + AES-256-GCM chunks (the content)
 *   {document_id}.meta   JSON metadata: in the clear only what purge and block need without the key (mimetype,
 *                        size, created-at, retention period, blocked); the filename and the recipient's email
 *                        hash sealed under the document's key (`sealed`), like the content
 *
 * Header (84 bytes): "DDLS" | version u8 | 3 reserved | chunk size u32 | plaintext size u64 | salt[32] | MAC[32].
 * From the link key, HKDF-SHA256 (salt, info naming the document) derives an encryption key and a MAC key. The
 * header MAC (HMAC-SHA256 over the first 52 bytes) proves the key at open time, so a wrong key is reported
 * exactly like a missing document. Chunk i (64 KiB of plaintext, the last one shorter) is sealed with nonce
 * 0^4 || u64(i) and additional data header[0..52) || final-flag, so chunks cannot be reordered, dropped,
 * truncated or moved to another document. Reads decrypt one chunk at a time (constant memory) and a byte range
 * only touches the chunks it covers.
 *
 * Metadata version 2 (written now): `sealed` is base64url(nonce[12] || AES-256-GCM(JSON, padded to at least 768
 * bytes) || tag[16]) under a third key from the same HKDF, with the data header's authenticated bytes as
 * additional data, so it opens only with the link key and only beside its own data file. Version 1 (written
 * before) held the filename and hash in the clear; it is still read, and ages out with its documents.
 *
 * Writes go to temporary files that are fsynced, then renamed into place, data first and metadata last: the
 * metadata file is the commit point, so a crash at any moment leaves the whole document or nothing readable.
 */

const MAGIC = Buffer.from('DDLS');
const VERSION = 1;
const SALT_BYTES = 32;
const MAC_BYTES = 32;
const AUTHENTICATED_HEADER_BYTES = 4 + 1 + 3 + 4 + 8 + SALT_BYTES; // 52
const HEADER_BYTES = AUTHENTICATED_HEADER_BYTES + MAC_BYTES; // 84
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
const STALE_TEMP_MS = 60 * 60 * 1000;

// Sealed metadata is padded to at least this (a 100-character filename and an email hash fit), then to multiples
// of SEALED_PADDING, so its length says neither whether there is an email hash nor how long the filename is.
const SEALED_MIN_BYTES = 768;
const SEALED_PADDING = 256;

/** Readable without the key. */
interface ClearMetadata {
  mimetype: string;
  size: number;
  createdAt: string;
  retentionPeriod: string;
  blocked: boolean;
}

/** Only for whoever holds the key. */
interface SealedFields {
  filename?: string;
  hashedRecipientEmail?: string;
}

type StoredMetadata =
  (ClearMetadata & SealedFields & { version: 1 }) | (ClearMetadata & { version: 2; sealed: string });

interface Header {
  chunkBytes: number;
  size: number;
  authenticated: Buffer;
}

interface Keys {
  encryption: Buffer;
  mac: Buffer;
  metadata: Buffer;
}

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
    const { serviceId, documentId, key, content, metadata } = document;
    const dir = this.serviceDir(serviceId);
    checkId(documentId);
    await mkdir(dir, { recursive: true });

    const salt = randomBytes(SALT_BYTES);
    const header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(header, 0);
    header.writeUInt8(VERSION, 4);
    header.writeUInt32BE(this.chunkBytes, 8);
    header.writeBigUInt64BE(BigInt(content.length), 12);
    salt.copy(header, 20);
    const keys = deriveKeys(key, salt, serviceId, documentId);
    const authenticated = header.subarray(0, AUTHENTICATED_HEADER_BYTES);
    headerMac(keys, authenticated).copy(header, AUTHENTICATED_HEADER_BYTES);

    const parts: Buffer[] = [header];
    const chunks = chunkCount(content.length, this.chunkBytes);
    for (let index = 0; index < chunks; index++) {
      const plain = content.subarray(index * this.chunkBytes, (index + 1) * this.chunkBytes);
      parts.push(sealChunk(keys, authenticated, index, index === chunks - 1, plain));
    }

    const sealedFields: SealedFields = {
      ...(metadata.filename !== undefined ? { filename: metadata.filename } : {}),
      ...(metadata.hashedRecipientEmail !== undefined
        ? { hashedRecipientEmail: metadata.hashedRecipientEmail }
        : {}),
    };
    const stored: StoredMetadata = {
      version: 2,
      mimetype: metadata.mimetype,
      size: content.length,
      createdAt: metadata.createdAt.toISOString(),
      retentionPeriod: metadata.retentionPeriod,
      blocked: false,
      sealed: sealFields(keys, authenticated, sealedFields),
    };

    const suffix = randomBytes(6).toString('hex');
    const dataTemp = join(dir, `.${documentId}.${suffix}.data.tmp`);
    const metaTemp = join(dir, `.${documentId}.${suffix}.meta.tmp`);
    try {
      // Both temporary files are written and fsynced (in parallel) before anything is renamed.
      await Promise.all([
        this.writeFileDurably(dataTemp, parts),
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
    const stored = JSON.parse(text) as StoredMetadata;
    if (bytesRead !== HEADER_BYTES || !raw.subarray(0, 4).equals(MAGIC) || raw.readUInt8(4) !== VERSION) {
      throw notFound();
    }
    if (key.length !== 32) throw notFound();
    const authenticated = raw.subarray(0, AUTHENTICATED_HEADER_BYTES);
    const keys = deriveKeys(key, raw.subarray(20, 20 + SALT_BYTES), serviceId, documentId);
    if (!timingSafeEqual(headerMac(keys, authenticated), raw.subarray(AUTHENTICATED_HEADER_BYTES))) {
      throw notFound();
    }
    const header: Header = {
      chunkBytes: raw.readUInt32BE(8),
      size: Number(raw.readBigUInt64BE(12)),
      authenticated: Buffer.from(authenticated),
    };
    if (header.chunkBytes === 0) throw notFound();
    let sealed: SealedFields;
    if (stored.version === 1) sealed = stored;
    else if (stored.version === 2) {
      const opened = openFields(keys, authenticated, stored.sealed);
      // A metadata file that is not this data file's (moved or altered) opens nothing.
      if (!opened) throw notFound();
      sealed = opened;
    } else
      throw new Error(
        `unknown local store metadata version ${String((stored as { version?: unknown }).version)}`,
      );
    const metadata = toMetadata({ ...stored, size: header.size }, sealed);
    return { metadata, header, keys };
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

function toMetadata(stored: ClearMetadata, sealed: SealedFields): DocumentMetadata {
  return {
    mimetype: stored.mimetype,
    size: stored.size,
    ...(typeof sealed.filename === 'string' ? { filename: sealed.filename } : {}),
    ...(typeof sealed.hashedRecipientEmail === 'string'
      ? { hashedRecipientEmail: sealed.hashedRecipientEmail }
      : {}),
    createdAt: new Date(stored.createdAt),
    retentionPeriod: stored.retentionPeriod,
    blocked: stored.blocked === true,
  };
}

/** What purge needs, from the clear part alone. */
function expiryFacts(stored: ClearMetadata): { createdAt: Date; retentionPeriod: string } {
  return { createdAt: new Date(stored.createdAt), retentionPeriod: stored.retentionPeriod };
}

function sealFields(keys: Keys, authenticated: Buffer, fields: SealedFields): string {
  const json = JSON.stringify(fields);
  // Padded with spaces, which JSON ignores.
  const length = Math.max(
    SEALED_MIN_BYTES,
    Math.ceil(Buffer.byteLength(json) / SEALED_PADDING) * SEALED_PADDING,
  );
  const plain = Buffer.alloc(length, ' ');
  plain.write(json);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.metadata, iv);
  cipher.setAAD(authenticated);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function openFields(keys: Keys, authenticated: Buffer, sealed: unknown): SealedFields | undefined {
  if (typeof sealed !== 'string') return undefined;
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 12 + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.metadata, raw.subarray(0, 12));
    decipher.setAAD(authenticated);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(12, raw.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const fields = JSON.parse(plain.toString('utf8')) as unknown;
    return typeof fields === 'object' && fields !== null ? (fields as SealedFields) : undefined;
  } catch {
    return undefined;
  }
}

function checkId(id: string): void {
  // Ids become file names: only UUIDs, so no path can be smuggled in.
  if (!isUuid(id)) throw new DocumentNotFoundError('document not found');
}

function chunkCount(size: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(size / chunkBytes));
}

function deriveKeys(key: Buffer, salt: Buffer, serviceId: string, documentId: string): Keys {
  const info = Buffer.from(
    `document-download local-store v1 ${serviceId.toLowerCase()}/${documentId.toLowerCase()}`,
  );
  // HKDF output is a prefix stream: the first 64 bytes are what version 1 derived, so old data files still open;
  // the next 32 seal the metadata.
  const okm = hkdfSha256(key, salt, info, 96);
  return { encryption: okm.subarray(0, 32), mac: okm.subarray(32, 64), metadata: okm.subarray(64) };
}

/**
 * HKDF-SHA256 (RFC 5869), the same bytes as `crypto.hkdfSync('sha256', …)` but from plain HMACs, which cost a
 * tenth as much in Node 20 (hkdfSync sets up key objects and a crypto job on every call).
 */
export function hkdfSha256(ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let counter = 1; blocks.length * 32 < length; counter++) {
    previous = createHmac('sha256', prk)
      .update(previous)
      .update(info)
      .update(Buffer.from([counter]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function headerMac(keys: Keys, authenticated: Buffer): Buffer {
  return createHmac('sha256', keys.mac).update(authenticated).digest();
}

function nonce(index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64BE(BigInt(index), 4);
  return iv;
}

function chunkAad(authenticated: Buffer, final: boolean): Buffer {
  return Buffer.concat([authenticated, Buffer.from([final ? 1 : 0])]);
}

function sealChunk(keys: Keys, authenticated: Buffer, index: number, final: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, nonce(index));
  cipher.setAAD(chunkAad(authenticated, final));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

function openChunk(keys: Keys, authenticated: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('document data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, nonce(index));
  decipher.setAAD(chunkAad(authenticated, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
}

/** Plaintext bytes first..last (inclusive), decrypted chunk by chunk as the consumer reads. */
function decryptingStream(
  handle: FileHandle,
  header: Header,
  keys: Keys,
  first: number,
  last: number,
): Readable {
  const { chunkBytes, size, authenticated } = header;
  const chunks = chunkCount(size, chunkBytes);
  let index = size === 0 ? 0 : Math.floor(first / chunkBytes);
  const lastIndex = size === 0 ? -1 : Math.floor(last / chunkBytes);
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };
  // Several chunks per file read (about 512 KiB), each decrypted and checked on its own: fewer trips to the
  // thread pool, memory still bounded by one batch.
  const batch = Math.max(1, Math.floor((512 * 1024) / chunkBytes));
  return new Readable({
    highWaterMark: batch * chunkBytes,
    async read() {
      try {
        if (index > lastIndex) {
          await close();
          this.push(null);
          return;
        }
        const firstInBatch = index;
        const lastInBatch = Math.min(lastIndex, index + batch - 1);
        const start = HEADER_BYTES + firstInBatch * (chunkBytes + TAG_BYTES);
        const endPlain = lastInBatch === chunks - 1 ? size : (lastInBatch + 1) * chunkBytes;
        const sealedLength =
          endPlain - firstInBatch * chunkBytes + (lastInBatch - firstInBatch + 1) * TAG_BYTES;
        const sealed = Buffer.allocUnsafe(sealedLength);
        const { bytesRead } = await handle.read(sealed, 0, sealedLength, start);
        if (bytesRead !== sealedLength) throw new Error('document data is truncated');
        const out: Buffer[] = [];
        let offset = 0;
        for (let at = firstInBatch; at <= lastInBatch; at++) {
          const plainLength = at === chunks - 1 ? size - at * chunkBytes : chunkBytes;
          const piece = sealed.subarray(offset, offset + plainLength + TAG_BYTES);
          offset += plainLength + TAG_BYTES;
          const plain = openChunk(keys, authenticated, at, at === chunks - 1, piece);
          const chunkStart = at * chunkBytes;
          out.push(
            plain.subarray(Math.max(first - chunkStart, 0), Math.min(last - chunkStart + 1, plain.length)),
          );
        }
        index = lastInBatch + 1;
        this.push(out.length === 1 ? out[0] : Buffer.concat(out));
      } catch (error) {
        this.destroy(error as Error);
      }
    },
    destroy(error, callback) {
      close().then(
        () => callback(error),
        () => callback(error),
      );
    },
  });
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
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
