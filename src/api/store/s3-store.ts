import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Tag } from '@aws-sdk/client-s3';
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
import { RecentTags } from './recent-tags.js';
import { PartBuffers } from './part-buffers.js';
import { objectHeaders, partSizeFor, S3StagedDocument, type MultipartSettings } from './s3-staged-write.js';
import { isExpired } from '../expiry.js';
import {
  isBlockedTag,
  normaliseRetentionPeriod,
  parseCreatedAt,
  parseExpirationHeader,
  unescapeFilename,
} from './s3-metadata.js';
import { errorDetails, isMissing } from './storage-errors.js';

export interface S3StoreOptions {
  /** DOCUMENTS_BUCKET. */
  bucket: string;
  /** AWS_REGION; left to the SDK's own lookup when absent. */
  region?: string;
  /** AWS_ENDPOINT_URL, for an S3-compatible server (radosgw, MinIO...); absent for AWS itself. */
  endpoint?: string;
  /** Path-style URLs (`http://host/bucket/key`); defaults to true when an endpoint is given. */
  forcePathStyle?: boolean;
  /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; absent → the SDK's default provider chain (instance roles...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Sockets kept per S3 host (default 64). */
  maxSockets?: number;
  /** Deadline for S3's response headers (default 30 s); the body then streams at the reader's pace. */
  requestTimeoutMs?: number;
  /** Parallel tag reads and deletes while purging (default 16). */
  purgeConcurrency?: number;
  /** Objects per listing page while purging (default 1000, S3's maximum). */
  purgePageSize?: number;
  /** The largest document a staged write takes (default 100 MiB): sets the multipart part size. */
  maxObjectBytes?: number;
  /** Multipart part size (default: 5 MiB, or more when needed to fit `maxObjectBytes` in 10,000 parts). */
  partBytes?: number;
  /** Parts of one staged write uploading at once, at most (default 2). */
  multipartConcurrency?: number;
  /**
   * Part buffers all staged writes share (default 4): each write always has one, and fills the next part while
   * the last is sent only while fewer than this are in use, so memory is about max(this, writes) parts.
   */
  partBufferBudget?: number;
  /**
   * How long the tags read by `getMetadata` may serve the `open` of the same object that follows it (default
   * 1000 ms; 0 reads them again on every open).
   */
  recentTagsMs?: number;
  /** An existing client (tests, custom middleware); the options above are then ignored except `bucket`. */
  client?: S3Client;
}

/** A staged write that knows nothing of its metadata until commit. */
const NO_HINT = async () => ({});

/** S3 answered something other than "not found" — a configuration or availability problem, never a wrong key. */
export class S3StoreError extends Error {
  override readonly name = 'S3StoreError';
  /** What the API answers: storage that cannot be reached or fails (5xx) is an outage, 503; anything else 500. */
  readonly statusCode: number;
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
    this.statusCode = status === undefined || status >= 500 ? 503 : 500;
  }
}

const SSE_ALGORITHM = 'AES256';
const KEY_BYTES = 32;
const ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

/**
 * Wraps an SDK error in one that carries only the operation, status and code (SDK errors hold the raw response,
 * which has no place in logs).
 */
function storeError(operation: string, error: unknown): S3StoreError {
  const { status, code } = errorDetails(error);
  return new S3StoreError(
    `S3 ${operation} failed: ${code ?? 'error'} (HTTP ${status ?? 'no response'})`,
    status,
    code,
  );
}

/**
 * A keyed read (HEAD/GET with SSE-C) that failed because of the key or a missing object. Only consulted once the
 * same object's tags were read with the same credentials, so a 403 here is the key (AWS), not the credentials.
 * radosgw answers a wrong key with 400 InvalidArgument; AWS answers a key for an object stored without SSE-C with 400.
 */
function isKeyedReadRefusal(error: unknown): boolean {
  const { status } = errorDetails(error);
  return status === 400 || status === 403 || status === 404;
}

/**
 * Whether S3 says it decrypted the object with this very key. Servers answer a keyed read of an object stored
 * without SSE-C with the plaintext (radosgw does), which would open it with any key: such objects are not served.
 */
function decryptedWith(response: { SSECustomerAlgorithm?: string; SSECustomerKeyMD5?: string }, key: Buffer) {
  if (response.SSECustomerAlgorithm !== SSE_ALGORITHM) return false;
  const md5 = createHash('md5').update(key).digest('base64');
  return response.SSECustomerKeyMD5 === undefined || response.SSECustomerKeyMD5 === md5;
}

function objectKey(serviceId: string, documentId: string): string | undefined {
  if (!ID_PATTERN.test(serviceId) || !ID_PATTERN.test(documentId)) return undefined;
  return `${serviceId}/${documentId}`;
}

function tagsToRecord(tagSet: Tag[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of tagSet ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return tags;
}

/** The total size from `Content-Range: bytes 0-99/1234`. */
function sizeFromContentRange(contentRange: string | undefined): number | undefined {
  const match = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return match ? Number(match[1]) : undefined;
}

interface ObjectHeaders {
  ContentType?: string;
  ContentLength?: number;
  Metadata?: Record<string, string>;
  Expiration?: string;
  LastModified?: Date;
}

function buildMetadata(headers: ObjectHeaders, tags: Record<string, string>, size: number): DocumentMetadata {
  const userMetadata = headers.Metadata ?? {};
  const metadata: DocumentMetadata = {
    mimetype: headers.ContentType ?? 'application/octet-stream',
    size,
    createdAt: parseCreatedAt(tags['created-at']) ?? headers.LastModified ?? new Date(0),
    retentionPeriod: normaliseRetentionPeriod(tags['retention-period']),
    blocked: isBlockedTag(tags['blocked']),
  };
  const filename = userMetadata['filename'];
  if (filename) metadata.filename = unescapeFilename(filename);
  const hash = userMetadata['hashed-recipient-email'];
  if (hash) metadata.hashedRecipientEmail = hash;
  const language = userMetadata['language'];
  if (language === 'cy' || language === 'en') metadata.language = language;
  const storageExpiresAt = parseExpirationHeader(headers.Expiration);
  if (storageExpiresAt) metadata.storageExpiresAt = storageExpiresAt;
  return metadata;
}

async function mapWithConcurrency<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Documents in an S3 bucket, encrypted by the server with the document's own key (SSE-C), laid out exactly as
 * GOV.UK Notify's document-download-api lays them out (see s3-metadata.ts), so either can read what the other wrote.
 * The key travels with each request and is never stored; a wrong key looks exactly like a missing document.
 */
export class S3DocumentStore implements DocumentStore {
  readonly bucket: string;
  readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly purgeConcurrency: number;
  private readonly purgePageSize: number;
  private readonly multipart: MultipartSettings;
  private readonly recentTags: RecentTags;

  constructor(options: S3StoreOptions) {
    if (!options.bucket) throw new Error('S3 store: a bucket name is required');
    this.bucket = options.bucket;
    this.multipart = {
      concurrency: Math.max(1, options.multipartConcurrency ?? 2),
      buffers: new PartBuffers(
        options.partBytes ?? partSizeFor(options.maxObjectBytes ?? 100 * 1024 * 1024),
        Math.max(1, options.partBufferBudget ?? 4),
      ),
    };
    this.purgeConcurrency = Math.max(1, options.purgeConcurrency ?? 16);
    this.purgePageSize = Math.min(1000, Math.max(1, options.purgePageSize ?? 1000));
    this.recentTags = new RecentTags(options.recentTagsMs ?? 1000);
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      return;
    }
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
    this.client = new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Only the checksums S3 itself requires: S3-compatible servers do not all know the newer checksum headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
        connectionTimeout: 5_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        throwOnRequestTimeout: true,
        // No socket idle timeout: a download paused by a slow recipient (backpressure) leaves the S3 socket idle,
        // and that must not cut the file short. The server's own request deadline bounds a stalled transfer.
      },
    });
    this.ownsClient = true;
  }

  private sse(key: Buffer) {
    // The SDK sends a 32-byte key given as base64 as it is and adds its MD5; any other string it would re-encode.
    return { SSECustomerAlgorithm: SSE_ALGORITHM, SSECustomerKey: key.toString('base64') };
  }

  async put(document: NewDocument): Promise<void> {
    const key = objectKey(document.serviceId, document.documentId);
    if (!key) throw new Error('S3 store: service and document ids must be plain identifiers');
    if (document.key.length !== KEY_BYTES) throw new Error('S3 store: the document key must be 32 bytes');
    try {
      // One PUT: S3 makes the object visible whole or not at all.
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: document.content,
          ContentLength: document.content.length,
          ...objectHeaders(document.metadata),
          ...this.sse(document.key),
        }),
      );
    } catch (error) {
      throw storeError('PutObject', error);
    }
  }

  /** The object's tags (readable without its key); DocumentNotFoundError when there is no such object. */
  private async readTags(key: string): Promise<Record<string, string>> {
    try {
      const response = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
      return tagsToRecord(response.TagSet);
    } catch (error) {
      if (isMissing(error)) throw new DocumentNotFoundError('document not found');
      throw storeError('GetObjectTagging', error);
    }
  }

  async stage(start: StagedDocumentStart): Promise<StagedDocument> {
    const objectName = objectKey(start.serviceId, start.documentId);
    if (!objectName) throw new Error('S3 store: service and document ids must be plain identifiers');
    if (start.key.length !== KEY_BYTES) throw new Error('S3 store: the document key must be 32 bytes');
    return new S3StagedDocument(
      { client: this.client, bucket: this.bucket, objectName, sse: this.sse(start.key), fail: storeError },
      start.metadataHint ?? NO_HINT,
      this.multipart,
    );
  }

  async getMetadata(serviceId: string, documentId: string, key: Buffer): Promise<DocumentMetadata> {
    const objectName = objectKey(serviceId, documentId);
    if (!objectName || key.length !== KEY_BYTES) throw new DocumentNotFoundError('document not found');
    const [tags, head] = await Promise.allSettled([
      this.readTags(objectName),
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectName, ...this.sse(key) })),
    ]);
    if (tags.status === 'rejected') throw tags.reason;
    if (head.status === 'rejected') {
      if (isKeyedReadRefusal(head.reason)) throw new DocumentNotFoundError('document not found');
      throw storeError('HeadObject', head.reason);
    }
    if (!decryptedWith(head.value, key)) throw new DocumentNotFoundError('document not found');
    this.recentTags.remember(objectName, tags.value);
    return buildMetadata(head.value, tags.value, head.value.ContentLength ?? 0);
  }

  async open(serviceId: string, documentId: string, key: Buffer, range?: ByteRange): Promise<OpenedDocument> {
    const objectName = objectKey(serviceId, documentId);
    if (!objectName || key.length !== KEY_BYTES) throw new DocumentNotFoundError('document not found');
    if (
      range &&
      (!Number.isSafeInteger(range.start) || !Number.isSafeInteger(range.end) || range.start < 0)
    ) {
      throw new RangeError('invalid byte range');
    }
    if (range && range.end < range.start) throw new RangeError('invalid byte range');
    // A download has just read the tags to decide whether to serve (getMetadata): those tags, not a second
    // GetObjectTagging. Anyone else's open reads them now.
    const recent = this.recentTags.take(objectName);
    const [tags, object] = await Promise.allSettled([
      recent ?? this.readTags(objectName),
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: objectName,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          ...this.sse(key),
        }),
      ),
    ]);
    const body = object.status === 'fulfilled' ? object.value.Body : undefined;
    if (tags.status === 'rejected' || object.status === 'rejected') {
      if (body instanceof Readable) body.destroy();
      if (tags.status === 'rejected') throw tags.reason;
      const reason = (object as PromiseRejectedResult).reason;
      if (errorDetails(reason).status === 416) throw new RangeError('byte range not satisfiable');
      if (isKeyedReadRefusal(reason)) throw new DocumentNotFoundError('document not found');
      throw storeError('GetObject', reason);
    }
    if (!(body instanceof Readable)) throw new S3StoreError('S3 GetObject returned no body stream');
    const response = object.value;
    if (!decryptedWith(response, key)) {
      body.destroy();
      throw new DocumentNotFoundError('document not found');
    }
    const size = range ? sizeFromContentRange(response.ContentRange) : response.ContentLength;
    if (size === undefined) {
      body.destroy();
      throw new S3StoreError('S3 GetObject did not say how large the document is');
    }
    return { metadata: buildMetadata(response, tags.value, size), body };
  }

  async setBlocked(serviceId: string, documentId: string, blocked: boolean): Promise<void> {
    const objectName = objectKey(serviceId, documentId);
    if (!objectName) throw new DocumentNotFoundError('document not found');
    this.recentTags.forget(objectName);
    const tags = await this.readTags(objectName);
    delete tags['blocked'];
    if (blocked) tags['blocked'] = 'true';
    try {
      await this.client.send(
        new PutObjectTaggingCommand({
          Bucket: this.bucket,
          Key: objectName,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    } catch (error) {
      if (isMissing(error)) throw new DocumentNotFoundError('document not found');
      throw storeError('PutObjectTagging', error);
    } finally {
      // Also after the write: a look-up that ran meanwhile remembered the tags from before it.
      this.recentTags.forget(objectName);
    }
  }

  /** Deletes the object; deleting one that is not there is not an error (S3 semantics). */
  async delete(serviceId: string, documentId: string): Promise<void> {
    const objectName = objectKey(serviceId, documentId);
    if (!objectName) return;
    this.recentTags.forget(objectName);
    await this.deleteKey(objectName);
  }

  private async deleteKey(objectName: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectName }));
    } catch (error) {
      if (isMissing(error)) return;
      throw storeError('DeleteObject', error);
    }
  }

  /**
   * Lists the whole bucket and deletes every document whose tags say it expired (the rule in expiry.ts, from
   * created-at — or the object's last-modified time — and retention-period). The storage's own lifecycle expiry
   * cannot be read here — HEAD needs each document's key — but then the storage deletes those objects itself.
   */
  async purgeExpired(now: Date): Promise<number> {
    let deleted = 0;
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            MaxKeys: this.purgePageSize,
            ContinuationToken: continuationToken,
          }),
        );
      } catch (error) {
        throw storeError('ListObjectsV2', error);
      }
      const objects = (page.Contents ?? []).filter((object) => object.Key !== undefined);
      await mapWithConcurrency(objects, this.purgeConcurrency, async (object) => {
        const objectName = object.Key as string;
        let tags: Record<string, string>;
        try {
          tags = await this.readTags(objectName);
        } catch (error) {
          if (error instanceof DocumentNotFoundError) return;
          throw error;
        }
        const expired = isExpired(
          {
            createdAt: parseCreatedAt(tags['created-at']) ?? object.LastModified ?? now,
            retentionPeriod: normaliseRetentionPeriod(tags['retention-period']),
          },
          now,
        );
        if (!expired) return;
        await this.deleteKey(objectName);
        deleted += 1;
      });
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return deleted;
  }

  /** Creates the bucket when it does not exist yet (development and tests; production buckets are provisioned). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isMissing(error)) throw storeError('HeadBucket', error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const { code } = errorDetails(error);
      if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists')
        throw storeError('CreateBucket', error);
    }
  }

  /** Closes the client's sockets (only a client this store created). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }
}

export function createS3Store(options: S3StoreOptions): S3DocumentStore {
  return new S3DocumentStore(options);
}
