// How the API's configuration reaches its document store: the streamed limit sizes the S3 store's multipart
// writes, and the local store is opened as at start-up (removing what writers that died left behind).
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/api/config.js';
import { buildApiContext } from '../../src/api/context.js';
import { localDocumentsRoot, s3StoreOptions } from '../../src/api/store/open-store.js';
import { formatOwner, hostTag } from '../../src/api/store/write-owner.js';
import { createLogger } from '../../src/common/logging.js';

const DEV = { NOTIFY_ENVIRONMENT: 'development' };
const S3 = { ...DEV, DOCUMENT_STORE: 's3', DOCUMENTS_BUCKET: 'documents' };
const MIB = 1024 * 1024;

function s3Store(env: Record<string, string>) {
  const { store } = loadApiConfig(env);
  if (store.kind !== 's3') throw new Error('expected the S3 store');
  return store;
}

describe('the S3 store from the configuration', () => {
  it('takes the largest streamed document from MAX_STREAMED_FILE_SIZE', () => {
    const config = loadApiConfig({ ...S3, MAX_STREAMED_FILE_SIZE: String(300 * MIB) });
    expect(config.limits.maxStreamedFileSize).toBe(300 * MIB);
    expect(s3StoreOptions(s3Store({ ...S3, MAX_STREAMED_FILE_SIZE: String(300 * MIB) }))).toEqual({
      bucket: 'documents',
      region: 'eu-west-1',
      maxObjectBytes: 300 * MIB,
    });
  });

  it('defaults to the API default limit, and keeps the endpoint', () => {
    expect(
      s3StoreOptions(s3Store({ ...S3, AWS_REGION: 'eu-west-2', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' })),
    ).toEqual({
      bucket: 'documents',
      region: 'eu-west-2',
      endpoint: 'http://127.0.0.1:9',
      maxObjectBytes: 100 * MIB,
    });
  });
});

describe('the local store the API context opens', () => {
  let dataDir: string | undefined;
  afterEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('removes the temporaries of a writer that died before it is used', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'store-wiring-'));
    const staging = join(localDocumentsRoot(dataDir), '.staging');
    await mkdir(staging, { recursive: true });
    // A writer on this host whose process is gone: no process has this id (above Linux's pid_max).
    const owner = formatOwner({ host: hostTag(), pid: 4_194_305, startTicks: '12345' });
    const service = '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
    const document = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
    const abandoned = `${service}.${document}.${owner}.a1b2c3d4e5f6.data.tmp`;
    await writeFile(join(staging, abandoned), 'half a document');

    const config = loadApiConfig({ ...DEV, DATA_DIR: dataDir });
    const logger = createLogger({ app: 'test', level: 'silent' });
    await buildApiContext(config, { logger, antivirus: null }, undefined, undefined);

    expect(await readdir(staging)).toEqual([]);
  });
});
