import type { Readable } from 'node:stream';

/** What is kept beside a document, readable without its key (in S3 terms: metadata and tags). */
export interface DocumentMetadata {
  /** The stored type, e.g. "application/pdf". */
  mimetype: string;
  /** Plaintext size in bytes. */
  size: number;
  /** The filename the sending service gave, if any (any unicode). */
  filename?: string;
  /** argon2id PHC string of the confirmation email, when the sender asked for confirmation. */
  hashedRecipientEmail?: string;
  createdAt: Date;
  /** As Notify writes it: "N weeks". */
  retentionPeriod: string;
  /** An operator stopped all access. */
  blocked: boolean;
  /** The storage's own expiration date (S3 lifecycle `Expiration`), when it has one. */
  storageExpiresAt?: Date;
  /** The language the sending service chose for the recipient's pages; absent means English. */
  language?: DocumentLanguage;
}

export type DocumentLanguage = 'en' | 'cy';

/** What the sender decides about a new document (the store adds size, blocked and its own expiry). */
export type NewDocumentMetadata = Omit<DocumentMetadata, 'size' | 'blocked' | 'storageExpiresAt'>;

export interface NewDocument {
  serviceId: string;
  documentId: string;
  /** The 32-byte key from the link; used to encrypt, never stored. */
  key: Buffer;
  content: Buffer;
  metadata: NewDocumentMetadata;
}

/** A document whose bytes arrive as a stream: what is known before the first byte. */
export interface StagedDocumentStart {
  serviceId: string;
  documentId: string;
  /** The 32-byte key from the link; used to encrypt, never stored. */
  key: Buffer;
  /**
   * The metadata as far as the upload knows it when asked: a store that must fix some of it before the end (S3
   * creates its multipart upload, type and user metadata included, once the first part is full) asks then, so
   * the type found in the first bytes and the fields sent before the file are in it. `commit` has the final
   * word: a store whose hint was wrong does more work at commit, never less correct.
   */
  metadataHint?: () => Promise<Partial<NewDocumentMetadata>>;
}

/**
 * A document being written: invisible to every read (and to purge) until `commit` resolves, and gone after
 * `abort`. A process that dies before `commit` leaves nothing a read can see, and nothing that outlives the
 * store's clean-up of abandoned writes.
 */
export interface StagedDocument {
  /** Appends plaintext; resolves when the store can take more (backpressure). */
  write(chunk: Buffer): Promise<void>;
  /** Makes the document visible with this metadata once every byte written is durably stored. */
  commit(metadata: NewDocumentMetadata): Promise<void>;
  /** Discards everything written so far. Safe to call more than once, and after a failed write or commit. */
  abort(): Promise<void>;
}

export interface ByteRange {
  /** Inclusive first byte. */
  start: number;
  /** Inclusive last byte. */
  end: number;
}

export interface OpenedDocument {
  metadata: DocumentMetadata;
  /** Decrypted bytes (the whole file, or exactly `range` when one was asked for), streamed. */
  body: Readable;
}

/** The document does not exist, or the key does not open it (indistinguishable on purpose). */
export class DocumentNotFoundError extends Error {
  override readonly name = 'DocumentNotFoundError';
}

/**
 * One interface for every backend (local encrypted files, S3 with SSE-C). Every read takes the key: a wrong
 * key must look exactly like a missing document. Blocked/expired policy is decided by the caller from the
 * metadata; stores only report it.
 */
export interface DocumentStore {
  /** Stores the whole document or nothing: a crash part-way leaves no readable partial document. */
  put(document: NewDocument): Promise<void>;
  /** Starts a streamed write of a document of unknown size. */
  stage(start: StagedDocumentStart): Promise<StagedDocument>;
  getMetadata(serviceId: string, documentId: string, key: Buffer): Promise<DocumentMetadata>;
  open(serviceId: string, documentId: string, key: Buffer, range?: ByteRange): Promise<OpenedDocument>;
  setBlocked(serviceId: string, documentId: string, blocked: boolean): Promise<void>;
  delete(serviceId: string, documentId: string): Promise<void>;
  /** Deletes every document whose effective expiry is before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
