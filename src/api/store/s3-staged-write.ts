import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { NewDocumentMetadata, StagedDocument } from './document-store.js';
import type { PartBuffers } from './part-buffers.js';
import { encodeTagging, escapeFilename, formatCreatedAt } from './s3-metadata.js';

const MIB = 1024 * 1024;
/** S3's smallest part (but the last) and most parts per upload. */
const MIN_PART_BYTES = 5 * MIB;
const MAX_PARTS = 10_000;

/** The part size for objects up to `maxObjectBytes`: at least S3's 5 MiB, and few enough parts (whole MiB). */
export function partSizeFor(maxObjectBytes: number): number {
  return Math.max(MIN_PART_BYTES, Math.ceil(maxObjectBytes / MAX_PARTS / MIB) * MIB);
}

/** What S3 keeps beside the object, fixed when the object (or its multipart upload) is created. */
export interface ObjectHeaders {
  ContentType: string;
  Metadata: Record<string, string>;
  Tagging: string;
}

/** The headers Notify's layout gives a document with this metadata (defaults for what is not known yet). */
export function objectHeaders(metadata: Partial<NewDocumentMetadata>, now = new Date()): ObjectHeaders {
  const userMetadata: Record<string, string> = {};
  if (metadata.hashedRecipientEmail) userMetadata['hashed-recipient-email'] = metadata.hashedRecipientEmail;
  if (metadata.filename) userMetadata['filename'] = escapeFilename(metadata.filename);
  if (metadata.language) userMetadata['language'] = metadata.language;
  const tags: Record<string, string> = { 'created-at': formatCreatedAt(metadata.createdAt ?? now) };
  if (metadata.retentionPeriod) tags['retention-period'] = metadata.retentionPeriod;
  return {
    ContentType: metadata.mimetype ?? 'application/octet-stream',
    Metadata: userMetadata,
    Tagging: encodeTagging(tags),
  };
}

function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

export interface S3Target {
  client: S3Client;
  bucket: string;
  objectName: string;
  /** The SSE-C request fields for the document's key. */
  sse: { SSECustomerAlgorithm: string; SSECustomerKey: string };
  /** Wraps an SDK error for the caller (operation, status, code only). */
  fail(operation: string, error: unknown): Error;
}

export interface MultipartSettings {
  /** Parts of one write uploading at once, at most. */
  concurrency: number;
  /** Where the write's part buffers come from (they set the part size). */
  buffers: PartBuffers;
}

/**
 * A document streamed to S3 with SSE-C. Bytes fill one part buffer; a full part is sent with UploadPart (the
 * multipart upload is created with the first one, every request carrying the key), at most `concurrency` at
 * once. The write always has one part buffer of its own; it fills the next part while the last is sent only
 * with a buffer borrowed from the budget all writes share (`PartBuffers`), and otherwise waits for its part to
 * be sent, which holds its client back (not a stall: the upload's pace rule does not count it). So memory is
 * about max(budget, writes) parts, whatever the file's size and however many uploads run. A buffer is
 * reused only once its request has settled: the SDK sends the same body again when it retries. A document
 * smaller than one part is sent at commit with one PUT, as `put` does. The object appears only at CompleteMultipartUpload; any failure or
 * `abort` aborts the multipart upload (the bucket's lifecycle rule removes those a crash leaves).
 *
 * The object's type, user metadata and tags are fixed when the multipart upload is created, from the metadata
 * hint; when the committed type or user metadata differ (fields that came after the file), the completed object
 * is copied onto itself with the right ones (CopyObject, REPLACE, SSE-C on both sides), or, where the server
 * cannot copy SSE-C objects (radosgw), read back and written again. Tags are set on the completed object. No one
 * holds the key before commit returns, so the object is never read with the wrong ones; a failure deletes it.
 */
export class S3StagedDocument implements StagedDocument {
  private state: 'open' | 'committing' | 'committed' | 'aborted' | 'failed' = 'open';
  /** The part being filled, and whether it is borrowed from the shared budget. */
  private part: Buffer | undefined;
  private partBorrowed = false;
  /** Whether this write has taken its own buffer from the pool (filling, in flight or spare). */
  private holdsOwn = false;
  /** The write's own buffer once its part has been sent, to fill again. */
  private spareOwn: Buffer | undefined;
  private filled = 0;
  private partNumber = 0;
  private uploadId: string | undefined;
  private createdWith: ObjectHeaders | undefined;
  private readonly etags: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Headers to create the object with instead of the hint's (a rewrite, which knows them all). */
  private createdWithOverride: ObjectHeaders | undefined;

  constructor(
    private readonly target: S3Target,
    private readonly hint: () => Promise<Partial<NewDocumentMetadata>>,
    private readonly settings: MultipartSettings,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    this.expectOpen();
    let rest = chunk;
    try {
      if (this.failure !== undefined) throw this.failure;
      while (rest.length > 0) {
        const part = this.part ?? (await this.nextPart());
        const copied = rest.copy(part, this.filled);
        this.filled += copied;
        rest = rest.subarray(copied);
        if (this.filled === part.length) await this.sendPart();
      }
    } catch (error) {
      await this.failWith(error);
    }
  }

  commit(metadata: NewDocumentMetadata): Promise<void> {
    return this.commitAs(objectHeaders(metadata));
  }

  private async commitAs(wanted: ObjectHeaders): Promise<void> {
    this.expectOpen();
    this.state = 'committing';
    const { client, bucket, objectName, sse } = this.target;
    try {
      if (this.partNumber === 0) {
        const body = this.part ? this.part.subarray(0, this.filled) : Buffer.alloc(0);
        await this.send('PutObject', () =>
          client.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key: objectName,
              Body: body,
              ContentLength: body.length,
              ...wanted,
              ...sse,
            }),
          ),
        );
        this.releaseBuffers();
        this.state = 'committed';
        return;
      }
      if (this.filled > 0) await this.sendPart();
      await this.settle();
      this.releaseBuffers();
      if (this.failure !== undefined) throw this.failure;
      await this.send('CompleteMultipartUpload', () =>
        client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: objectName,
            UploadId: this.uploadId,
            MultipartUpload: { Parts: this.etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
            ...sse,
          }),
        ),
      );
      this.uploadId = undefined;
    } catch (error) {
      await this.failWith(error);
    }
    try {
      await this.fixUp(wanted);
      this.state = 'committed';
    } catch (error) {
      this.state = 'failed';
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectName })).catch(() => undefined);
      throw error;
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state === 'open') this.state = 'aborted';
    await this.abortUpload();
  }

  private expectOpen(): void {
    if (this.state !== 'open') throw new Error(`staged document already ${this.state}`);
  }

  /**
   * A buffer for the next part: the write's own if it is free, else a borrowed one if the shared budget has one
   * and another part may be sent meanwhile, else its own once the part being sent with it is done.
   */
  private async nextPart(): Promise<Buffer> {
    const { buffers, concurrency } = this.settings;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.spareOwn !== undefined || !this.holdsOwn) {
        const own = this.spareOwn ?? buffers.own();
        this.spareOwn = undefined;
        this.holdsOwn = true;
        return this.fill(own, false);
      }
      const borrowed = this.inFlight.size < concurrency ? buffers.borrow() : undefined;
      if (borrowed !== undefined) return this.fill(borrowed, true);
      if (this.inFlight.size === 0) throw new Error('S3 staged write: no part buffer to wait for');
      await Promise.race(this.inFlight);
    }
  }

  private fill(part: Buffer, borrowed: boolean): Buffer {
    this.part = part;
    this.partBorrowed = borrowed;
    return part;
  }

  /** Sends the filled part, after waiting for a free slot; creates the multipart upload first if need be. */
  private async sendPart(): Promise<void> {
    const buffer = this.part as Buffer;
    const borrowed = this.partBorrowed;
    const body = buffer.subarray(0, this.filled);
    const { client, bucket, objectName, sse } = this.target;
    if (this.uploadId === undefined) {
      this.createdWith = this.createdWithOverride ?? objectHeaders(await this.hint());
      const created = await this.send('CreateMultipartUpload', () =>
        client.send(
          new CreateMultipartUploadCommand({ Bucket: bucket, Key: objectName, ...this.createdWith, ...sse }),
        ),
      );
      if (!created.UploadId) throw this.target.fail('CreateMultipartUpload', new Error('no upload id'));
      this.uploadId = created.UploadId;
    }
    while (this.inFlight.size >= this.settings.concurrency) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    // From here the request holds the buffer (a failure before leaves it with the write, to give back).
    this.part = undefined;
    this.filled = 0;
    const number = ++this.partNumber;
    const uploadId = this.uploadId;
    const sending: Promise<void> = this.send('UploadPart', () =>
      client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: objectName,
          UploadId: uploadId,
          PartNumber: number,
          Body: body,
          ContentLength: body.length,
          ...sse,
        }),
      ),
    ).then(
      (response) => {
        this.giveBack(buffer, borrowed);
        if (response.ETag) this.etags[number - 1] = response.ETag;
        else this.failure ??= this.target.fail('UploadPart', new Error('no ETag'));
      },
      (error: unknown) => {
        this.giveBack(buffer, borrowed);
        this.failure ??= error;
      },
    );
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Puts the committed type and user metadata on the completed object when they differ, and its tags. */
  private async fixUp(wanted: ObjectHeaders): Promise<void> {
    const created = this.createdWith as ObjectHeaders;
    const { client, bucket, objectName, sse } = this.target;
    if (created.ContentType !== wanted.ContentType || !sameMetadata(created.Metadata, wanted.Metadata)) {
      const copied = await this.send('CopyObject', () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: objectName,
            CopySource: `${bucket}/${objectName.split('/').map(encodeURIComponent).join('/')}`,
            MetadataDirective: 'REPLACE',
            TaggingDirective: 'REPLACE',
            ...wanted,
            ...sse,
            CopySourceSSECustomerAlgorithm: sse.SSECustomerAlgorithm,
            CopySourceSSECustomerKey: sse.SSECustomerKey,
          }),
        ),
      ).then(
        () => true,
        (error: unknown) => {
          // radosgw (Ceph 16) answers 501 NotImplemented to a copy of an SSE-C object.
          if ((error as { status?: number }).status === 501) return false;
          throw error;
        },
      );
      if (!copied) await this.rewriteThroughHere(wanted);
    }
    // radosgw ignores the tags given at CreateMultipartUpload: they are set on the completed object.
    const TagSet = [...new URLSearchParams(wanted.Tagging)].map(([Key, Value]) => ({ Key, Value }));
    await this.send('PutObjectTagging', () =>
      client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: objectName, Tagging: { TagSet } })),
    );
  }

  /**
   * Where S3 cannot copy an SSE-C object, reads it back and writes it again with the right headers (a new
   * multipart upload over the same key, which replaces it whole at completion): the bytes pass through this
   * process once more, in parts, memory still bounded.
   */
  private async rewriteThroughHere(wanted: ObjectHeaders): Promise<void> {
    const { client, bucket, objectName, sse } = this.target;
    const object = await this.send('GetObject', () =>
      client.send(new GetObjectCommand({ Bucket: bucket, Key: objectName, ...sse })),
    );
    const rewrite = new S3StagedDocument(this.target, async () => ({}), this.settings);
    rewrite.createdWithOverride = wanted;
    try {
      for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
        await rewrite.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      await rewrite.commitAs(wanted);
    } catch (error) {
      await rewrite.abort();
      throw error;
    }
  }

  /** A sent part's buffer, once its request has settled (the SDK is done with the body). */
  private giveBack(buffer: Buffer, borrowed: boolean): void {
    if (borrowed) this.settings.buffers.release(buffer);
    else this.spareOwn = buffer;
  }

  /** Gives every buffer back to the pool; only once nothing is in flight. */
  private releaseBuffers(): void {
    const { buffers } = this.settings;
    if (this.part) buffers.release(this.part);
    if (this.spareOwn) buffers.release(this.spareOwn);
    this.part = undefined;
    this.spareOwn = undefined;
    this.filled = 0;
  }

  private async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async failWith(error: unknown): Promise<never> {
    this.failure ??= error;
    this.state = 'failed';
    await this.abortUpload();
    throw error;
  }

  /** Waits for the parts being sent (a part still arriving after an abort would linger), then aborts. */
  private async abortUpload(): Promise<void> {
    await this.settle();
    this.releaseBuffers();
    const uploadId = this.uploadId;
    if (uploadId === undefined) return;
    this.uploadId = undefined;
    const { client, bucket, objectName } = this.target;
    await this.send('AbortMultipartUpload', () =>
      client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectName, UploadId: uploadId })),
    ).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code !== 'NoSuchUpload') throw error;
    });
  }

  private async send<T>(operation: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.target.fail(operation, error);
    }
  }
}
