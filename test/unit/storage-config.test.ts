import { describe, expect, it } from 'vitest';
import { STORAGE_VARIABLES, loadApiConfig, loadStorageConfig } from '../../src/api/config.js';
import { ConfigError } from '../../src/common/env.js';

/** Every storage variable set away from its default, as a production API would have them. */
const STORAGE = {
  DATA_DIR: '/srv/documents',
  DOCUMENT_STORE: 's3',
  DOCUMENTS_BUCKET: 'production-document-download',
  AWS_REGION: 'eu-west-2',
  AWS_ENDPOINT_URL: 'http://ignored.example',
  AWS_ENDPOINT_URL_S3: 'http://s3.internal:8080',
  REDIS_ENABLED: 'true',
  REDIS_URL: 'redis://cache:6379',
  DOCUMENT_AUTHENTICATION_RATE_LIMIT: '10',
  DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS: '60',
};

describe('storage configuration (for block, unblock and purge)', () => {
  it('lists exactly the variables set above', () => {
    expect([...STORAGE_VARIABLES].sort()).toEqual(Object.keys(STORAGE).sort());
  });

  it('reads the storage variables as the API does, without any of its other variables', () => {
    const production = {
      NOTIFY_ENVIRONMENT: 'production',
      AUTH_TOKENS: 'one',
      SECRET_KEY: 'a-long-production-secret',
      FRONTEND_HOSTNAME: 'documents.service.gov.uk',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.documents.service.gov.uk',
      ANTIVIRUS_API_HOST: 'https://antivirus.internal',
      ANTIVIRUS_API_KEY: 'av-key',
    };
    const api = loadApiConfig({ ...production, ...STORAGE });
    // No NOTIFY_ENVIRONMENT (production-like), no AUTH_TOKENS, no SECRET_KEY: the API itself would refuse.
    expect(() => loadApiConfig(STORAGE)).toThrow(/AUTH_TOKENS/);
    const storage = loadStorageConfig(STORAGE);
    expect(storage.store).toEqual(api.store);
    expect(storage.redis).toEqual(api.redis);
    expect(storage.rateLimit).toEqual(api.rateLimit);
    expect(storage.store).toMatchObject({
      kind: 's3',
      region: 'eu-west-2',
      endpoint: 'http://s3.internal:8080',
    });
  });

  it('ignores the rest of the environment, even a wrong value or a production setting', () => {
    const config = loadStorageConfig({ NOTIFY_ENVIRONMENT: 'production', HTTP_SCHEME: 'ftp', PORT: 'x' });
    expect(config.store.kind).toBe('local');
    expect(config.store.dataDir).toBe(loadApiConfig({ NOTIFY_ENVIRONMENT: 'development' }).store.dataDir);
  });

  it.each([
    [{ DOCUMENT_STORE: 'floppy' }, 'DOCUMENT_STORE'],
    [{ DOCUMENT_STORE: 's3' }, 'DOCUMENTS_BUCKET'],
    [{ REDIS_ENABLED: 'maybe' }, 'REDIS_ENABLED'],
    [{ DOCUMENT_AUTHENTICATION_RATE_LIMIT: '0' }, 'DOCUMENT_AUTHENTICATION_RATE_LIMIT'],
    [{ DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS: 'soon' }, 'DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS'],
  ])('names a wrong storage variable (%j)', (env, name) => {
    expect(() => loadStorageConfig(env)).toThrow(ConfigError);
    expect(() => loadStorageConfig(env)).toThrow(new RegExp(`^[^\\n]*${name}[^\\n]*$`));
  });
});
