import { constants as fsConstants } from 'node:fs';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import type { NewDocumentMetadata, StagedDocument } from './document-store.js';
import type { StreamSealer } from './encrypted-format.js';
import { isMissing } from './storage-errors.js';

/** Where a staged write keeps its files, and where they go at commit. */
export interface StagedPaths {
  dataTemp: string;
  metaTemp: string;
  serviceDir: string;
  dataPath: string;
  metaPath: string;
}

export interface StagedWriteOptions {
  /** fsync the files and the folder before the document counts as stored. */
  durable: boolean;
  /** Test seam: awaited just before each rename, to crash a process at exactly that point. */
  beforeRename?: ((step: 'data' | 'meta') => Promise<void>) | undefined;
}

/**
 * A document written to the local store as its bytes arrive: sealed chunk by chunk into a temporary data file
 * (memory: one chunk), then at commit the final chunk, the metadata in a temporary file, fsync, and two renames
 * into the service's folder — data first, metadata last, the metadata's rename being the commit point.
 */
export class LocalStagedDocument implements StagedDocument {
  private state: 'open' | 'committing' | 'committed' | 'aborted' | 'failed' = 'open';
  private queue: Promise<unknown> = Promise.resolve();
  private handleOpen = true;
  private renamedData = false;
  private renamedMeta = false;

  private constructor(
    private readonly handle: FileHandle,
    private readonly sealer: StreamSealer,
    private readonly paths: StagedPaths,
    private readonly options: StagedWriteOptions,
  ) {}

  static async create(
    sealer: StreamSealer,
    paths: StagedPaths,
    options: StagedWriteOptions,
  ): Promise<LocalStagedDocument> {
    const handle = await open(paths.dataTemp, 'wx', 0o600);
    const staged = new LocalStagedDocument(handle, sealer, paths, options);
    try {
      await staged.append([sealer.header]);
    } catch (error) {
      await staged.fail();
      throw error;
    }
    return staged;
  }

  write(chunk: Buffer): Promise<void> {
    return this.serially(async () => {
      this.expectOpen();
      const sealed = this.sealer.push(chunk);
      if (sealed.length > 0) await this.append(sealed);
    });
  }

  commit(metadata: NewDocumentMetadata): Promise<void> {
    return this.serially(async () => {
      this.expectOpen();
      this.state = 'committing';
      const { paths, options } = this;
      await this.append(this.sealer.finish());
      if (options.durable) await this.handle.sync();
      await this.closeHandle();
      await writeFileDurably(
        paths.metaTemp,
        Buffer.from(JSON.stringify(this.sealer.metadata(metadata))),
        options.durable,
      );
      await mkdir(paths.serviceDir, { recursive: true });
      await options.beforeRename?.('data');
      await rename(paths.dataTemp, paths.dataPath);
      this.renamedData = true;
      await options.beforeRename?.('meta');
      await rename(paths.metaTemp, paths.metaPath);
      this.renamedMeta = true;
      if (options.durable) await syncDirectory(paths.serviceDir);
      this.state = 'committed';
    });
  }

  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state === 'open') this.state = 'aborted';
    // Let a write or commit in progress finish (it then fails or is undone below).
    await this.queue.catch(() => undefined);
    if (this.isCommitted()) return;
    await this.removeFiles();
  }

  private async serially(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    try {
      await run;
    } catch (error) {
      if (this.state === 'open' || this.state === 'committing') await this.fail();
      throw error;
    }
  }

  private isCommitted(): boolean {
    return this.state === 'committed';
  }

  private expectOpen(): void {
    if (this.state !== 'open') throw new Error(`staged document already ${this.state}`);
  }

  private async append(buffers: Buffer[]): Promise<void> {
    const expected = buffers.reduce((total, buffer) => total + buffer.length, 0);
    const { bytesWritten } = await this.handle.writev(buffers);
    if (bytesWritten !== expected) throw new Error('local store: short write to a staged document');
  }

  private async fail(): Promise<void> {
    this.state = 'failed';
    await this.removeFiles();
  }

  private async closeHandle(): Promise<void> {
    if (!this.handleOpen) return;
    this.handleOpen = false;
    await this.handle.close();
  }

  /** Everything this write put on disk, wherever it got to. */
  private async removeFiles(): Promise<void> {
    await this.closeHandle().catch(() => undefined);
    const { paths } = this;
    if (this.renamedMeta) await unlinkQuietly(paths.metaPath);
    if (this.renamedData) await unlinkQuietly(paths.dataPath);
    this.renamedMeta = false;
    this.renamedData = false;
    await Promise.all([unlinkQuietly(paths.dataTemp), unlinkQuietly(paths.metaTemp)]);
  }
}

export async function writeFileDurably(path: string, content: Buffer, durable: boolean): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function unlinkQuietly(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (!isMissing(error)) throw error;
  });
}
