import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DocumentLanguage, DocumentMetadata, NewDocumentMetadata } from './document-store.js';
import { ReadBufferPool } from './read-buffer-pool.js';

/*
 * The local store's on-disk format, for one document: a data file and a metadata file.
 *
 * Data file: header + AES-256-GCM chunks (the content).
 * Header (84 bytes): "DDLS" | version u8 | 3 reserved | chunk size u32 | plaintext size u64 | salt[32] | MAC[32].
 * From the link key, HKDF-SHA256 (salt, info naming the document) derives an encryption key and a MAC key. The
 * header MAC (HMAC-SHA256 over the first 52 bytes) proves the key at open time, so a wrong key is reported
 * exactly like a missing document. Chunk i (`chunk size` bytes of plaintext, the last one shorter) is sealed with
 * nonce 0^4 || u64(i) and additional data header[0..52) || final-flag, so chunks cannot be reordered, dropped,
 * truncated or moved to another document. Reads decrypt one batch of chunks at a time (constant memory) and a byte
 * range only touches the chunks it covers.
 *
 * Data version 2 (written now, by a streamed write that does not know the size before the last byte): the size
 * field is zero and the plaintext size is in the sealed metadata, written at commit and authenticated with the
 * header's bytes; the data file's length must match it exactly, and the final-chunk flag stops truncation at a
 * chunk boundary. Data version 1 (written before) has the size in the authenticated header; it is still read.
 *
 * Metadata file: JSON; in the clear only what purge and block need without the key (mimetype, size,
 * created-at, retention period, blocked); the filename, the recipient's email hash, the language and (data
 * version 2) the size sealed under the document's key (`sealed`), like the content.
 * Version 2 (written now): `sealed` is base64url(nonce[12] || AES-256-GCM(JSON, padded to at least 768 bytes)
 * || tag[16]) under a third key from the same HKDF, with the data header's authenticated bytes as additional
 * data, so it opens only with the link key and only beside its own data file. Version 1 (written before) held
 * the filename and hash in the clear; it is still read, and ages out with its documents.
 */

const MAGIC = Buffer.from('DDLS');
/** Data versions: 1 has the plaintext size in the header; 2 (streamed) has it in the sealed metadata. */
const SIZED_VERSION = 1;
const STREAMED_VERSION = 2;
const SALT_BYTES = 32;
const MAC_BYTES = 32;
const AUTHENTICATED_HEADER_BYTES = 4 + 1 + 3 + 4 + 8 + SALT_BYTES; // 52
export const HEADER_BYTES = AUTHENTICATED_HEADER_BYTES + MAC_BYTES; // 84
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 256 * 1024;
/** How much of a data file a read takes at once (whole chunks, at least one). */
const READ_BYTES = 512 * 1024;

// Sealed metadata is padded to at least this (a 100-character filename and an email hash fit), then to multiples
// of SEALED_PADDING, so its length says neither whether there is an email hash nor how long the filename is.
const SEALED_MIN_BYTES = 768;
const SEALED_PADDING = 256;

/** Readable without the key. */
export interface ClearMetadata {
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
  language?: DocumentLanguage;
  /** Plaintext size (data version 2). */
  size?: number;
}

/** The metadata file's JSON. */
export type StoredMetadata =
  (ClearMetadata & SealedFields & { version: 1 }) | (ClearMetadata & { version: 2; sealed: string });

/** A data file's header, once its MAC has proved the key. */
export interface Header {
  chunkBytes: number;
  size: number;
  authenticated: Buffer;
}

export interface Keys {
  encryption: Buffer;
  mac: Buffer;
  metadata: Buffer;
}

/**
 * Seals a document whose plaintext arrives in pieces of any size (data version 2): the header first, then each
 * chunk once the next byte shows it is not the last, then the final chunk and the metadata at the end. Holds at
 * most one chunk of plaintext (references to the pieces given, not copies).
 */
export class StreamSealer {
  /** The data file's first HEADER_BYTES. */
  readonly header: Buffer;
  private readonly keys: Keys;
  private readonly authenticated: Buffer;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private sealedBytes = 0;

  constructor(
    key: Buffer,
    serviceId: string,
    documentId: string,
    private readonly chunkBytes: number,
  ) {
    if (key.length !== 32) throw new Error('local store: the document key must be 32 bytes');
    const salt = randomBytes(SALT_BYTES);
    this.header = Buffer.alloc(HEADER_BYTES);
    MAGIC.copy(this.header, 0);
    this.header.writeUInt8(STREAMED_VERSION, 4);
    this.header.writeUInt32BE(chunkBytes, 8);
    salt.copy(this.header, 20);
    this.keys = deriveKeys(key, salt, serviceId, documentId);
    this.authenticated = this.header.subarray(0, AUTHENTICATED_HEADER_BYTES);
    headerMac(this.keys, this.authenticated).copy(this.header, AUTHENTICATED_HEADER_BYTES);
  }

  /** Plaintext bytes taken so far. */
  get size(): number {
    return this.sealedBytes + this.pendingBytes;
  }

  /** Takes plaintext; returns the sealed bytes now ready to append to the data file (often none). */
  push(plain: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let rest = plain;
    while (rest.length > 0) {
      if (this.pendingBytes === this.chunkBytes) this.sealPending(false, out);
      const take = Math.min(rest.length, this.chunkBytes - this.pendingBytes);
      this.pending.push(take === rest.length ? rest : rest.subarray(0, take));
      this.pendingBytes += take;
      rest = rest.subarray(take);
    }
    return out;
  }

  /** The final chunk (possibly empty, for an empty document). */
  finish(): Buffer[] {
    const out: Buffer[] = [];
    this.sealPending(true, out);
    return out;
  }

  /** The metadata file's JSON for the finished document. */
  metadata(metadata: NewDocumentMetadata): StoredMetadata {
    const sealedFields: SealedFields = {
      ...(metadata.filename !== undefined ? { filename: metadata.filename } : {}),
      ...(metadata.hashedRecipientEmail !== undefined
        ? { hashedRecipientEmail: metadata.hashedRecipientEmail }
        : {}),
      ...(metadata.language !== undefined ? { language: metadata.language } : {}),
      size: this.sealedBytes,
    };
    return {
      version: 2,
      mimetype: metadata.mimetype,
      size: this.sealedBytes,
      createdAt: metadata.createdAt.toISOString(),
      retentionPeriod: metadata.retentionPeriod,
      blocked: false,
      sealed: sealFields(this.keys, this.authenticated, sealedFields),
    };
  }

  private sealPending(final: boolean, out: Buffer[]): void {
    const cipher = createCipheriv('aes-256-gcm', this.keys.encryption, nonce(this.index));
    cipher.setAAD(chunkAad(this.authenticated, final));
    for (const piece of this.pending) out.push(cipher.update(piece));
    cipher.final();
    out.push(cipher.getAuthTag());
    this.index++;
    this.sealedBytes += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** The data file's length for a document of `size` plaintext bytes in chunks of `chunkBytes`. */
export function dataFileLength(size: number, chunkBytes: number): number {
  return HEADER_BYTES + size + chunkCount(size, chunkBytes) * TAG_BYTES;
}

/**
 * The document's metadata, header and keys when `key` opens the data file's first HEADER_BYTES (`raw`) and the
 * metadata file beside it, and the data file is `dataLength` bytes long as it must be; undefined when it does
 * not (a wrong key, another document's files, a bad header, a truncated or extended data file).
 */
export function openDocument(
  stored: StoredMetadata,
  raw: Buffer,
  dataLength: number,
  key: Buffer,
  serviceId: string,
  documentId: string,
): { metadata: DocumentMetadata; header: Header; keys: Keys } | undefined {
  if (raw.length !== HEADER_BYTES || !raw.subarray(0, 4).equals(MAGIC)) return undefined;
  const version = raw.readUInt8(4);
  if (version !== SIZED_VERSION && version !== STREAMED_VERSION) return undefined;
  if (key.length !== 32) return undefined;
  const authenticated = raw.subarray(0, AUTHENTICATED_HEADER_BYTES);
  const keys = deriveKeys(key, raw.subarray(20, 20 + SALT_BYTES), serviceId, documentId);
  if (!timingSafeEqual(headerMac(keys, authenticated), raw.subarray(AUTHENTICATED_HEADER_BYTES))) {
    return undefined;
  }
  const chunkBytes = raw.readUInt32BE(8);
  if (chunkBytes === 0) return undefined;
  let sealed: SealedFields;
  if (stored.version === 1) sealed = stored;
  else if (stored.version === 2) {
    const opened = openFields(keys, authenticated, stored.sealed);
    // A metadata file that is not this data file's (moved or altered) opens nothing.
    if (!opened) return undefined;
    sealed = opened;
  } else
    throw new Error(
      `unknown local store metadata version ${String((stored as { version?: unknown }).version)}`,
    );
  const size = version === SIZED_VERSION ? Number(raw.readBigUInt64BE(12)) : sealed.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  if (dataLength !== dataFileLength(size, chunkBytes)) return undefined;
  const header: Header = { chunkBytes, size, authenticated: Buffer.from(authenticated) };
  const metadata = toMetadata({ ...stored, size }, sealed);
  return { metadata, header, keys };
}

function toMetadata(stored: ClearMetadata, sealed: SealedFields): DocumentMetadata {
  return {
    mimetype: stored.mimetype,
    size: stored.size,
    ...(typeof sealed.filename === 'string' ? { filename: sealed.filename } : {}),
    ...(typeof sealed.hashedRecipientEmail === 'string'
      ? { hashedRecipientEmail: sealed.hashedRecipientEmail }
      : {}),
    ...(sealed.language === 'cy' || sealed.language === 'en' ? { language: sealed.language } : {}),
    createdAt: new Date(stored.createdAt),
    retentionPeriod: stored.retentionPeriod,
    blocked: stored.blocked === true,
  };
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

function openChunk(keys: Keys, authenticated: Buffer, index: number, final: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new Error('document data is truncated');
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, nonce(index));
  decipher.setAAD(chunkAad(authenticated, final));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  // GCM's final() returns no bytes: it only checks the tag (throws when the chunk was altered).
  decipher.final();
  return plain;
}

/** Where a data file's bytes come from (the local store hands over the descriptor it opened to check the key). */
export interface DataFileSource {
  /** Reads exactly `buffer.length` bytes at `position`, or fewer at the end of the file; resolves the count. */
  read(buffer: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

/** Read buffers of the decrypting streams, shared by every download of the process. */
const readBuffers = new ReadBufferPool(8);

/** Plaintext bytes first..last (inclusive) of an opened data file, decrypted chunk by chunk as the consumer reads. */
export function decryptingStream(
  source: DataFileSource,
  header: Header,
  keys: Keys,
  first: number,
  last: number,
): Readable {
  const { chunkBytes, size, authenticated } = header;
  const chunks = chunkCount(size, chunkBytes);
  let index = size === 0 ? 0 : Math.floor(first / chunkBytes);
  const lastIndex = size === 0 ? -1 : Math.floor(last / chunkBytes);
  // Several chunks per file read (about READ_BYTES), each decrypted and checked on its own: fewer trips to the
  // thread pool, memory bounded by one batch. The read buffer comes from the pool and goes back when the stream
  // ends (never while a read into it is in flight); the plaintext never points into it (each chunk is
  // decrypted into a buffer of its own).
  const batch = Math.max(1, Math.floor(READ_BYTES / chunkBytes));
  let readBuffer: Buffer | undefined;
  let reading: Promise<unknown> = Promise.resolve();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await reading.catch(() => undefined);
    if (readBuffer) readBuffers.give(readBuffer);
    readBuffer = undefined;
    await source.close().catch(() => undefined);
  };
  /** Reads and decrypts the next batch; returns its plaintext pieces. */
  const nextBatch = async (): Promise<Buffer[]> => {
    const firstInBatch = index;
    const lastInBatch = Math.min(lastIndex, index + batch - 1);
    const start = HEADER_BYTES + firstInBatch * (chunkBytes + TAG_BYTES);
    const endPlain = lastInBatch === chunks - 1 ? size : (lastInBatch + 1) * chunkBytes;
    const sealedLength = endPlain - firstInBatch * chunkBytes + (lastInBatch - firstInBatch + 1) * TAG_BYTES;
    // The first batch is the largest (only the last one may be shorter).
    readBuffer ??= readBuffers.take(sealedLength);
    const sealed = readBuffer.subarray(0, sealedLength);
    if ((await source.read(sealed, start)) !== sealedLength) throw new Error('document data is truncated');
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
    return out;
  };
  return new Readable({
    highWaterMark: batch * chunkBytes,
    async read() {
      try {
        if (index > lastIndex) {
          await close();
          this.push(null);
          return;
        }
        const step = nextBatch();
        // close() waits for it: the read buffer goes back to the pool only once nothing reads it.
        reading = step;
        const pieces = await step;
        if (closed) return;
        // Each chunk's plaintext as it is: concatenating them would copy every byte once more.
        for (const piece of pieces) this.push(piece);
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
