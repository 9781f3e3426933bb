import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../src/api/config.js';
import { ConfigError } from '../../src/common/env.js';

const PRODUCTION = {
  NOTIFY_ENVIRONMENT: 'production',
  AUTH_TOKENS: 'one:two',
  SECRET_KEY: 'a-long-production-secret',
  FRONTEND_HOSTNAME: 'documents.service.gov.uk',
  DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.documents.service.gov.uk',
  ANTIVIRUS_API_HOST: 'https://antivirus.internal/',
  ANTIVIRUS_API_KEY: 'av-key',
};

describe('API configuration', () => {
  it('has working defaults in development', () => {
    const config = loadApiConfig({ NOTIFY_ENVIRONMENT: 'development' });
    expect(config.environment).toBe('development');
    expect(config.authTokens).toEqual(['auth-token']);
    expect(config.httpScheme).toBe('http');
    expect(config.antivirus.enabled).toBe(false);
    expect(config.redis.enabled).toBe(false);
    expect(config.store).toEqual({ kind: 'local', dataDir: expect.any(String) });
    expect(config.rateLimit).toEqual({ limit: 50, intervalSeconds: 300 });
    expect(config.limits).toEqual({
      maxContentLength: 3 * 1024 * 1024,
      maxDecodedFileSize: 2 * 1024 * 1024 + 1024,
      maxStreamedFileSize: 100 * 1024 * 1024,
    });
    expect(config.uploadPace).toEqual({
      stallTimeoutMs: 15_000,
      minBytesPerSecond: 16 * 1024,
      windowMs: 30_000,
    });
  });

  it('reads the streamed upload limits', () => {
    const config = loadApiConfig({
      NOTIFY_ENVIRONMENT: 'development',
      MAX_STREAMED_FILE_SIZE: '5000',
      UPLOAD_STALL_TIMEOUT_SECONDS: '3',
      UPLOAD_MIN_BYTES_PER_SECOND: '0',
      UPLOAD_MIN_RATE_WINDOW_SECONDS: '10',
    });
    expect(config.limits.maxStreamedFileSize).toBe(5000);
    expect(config.uploadPace).toEqual({ stallTimeoutMs: 3000, minBytesPerSecond: 0, windowMs: 10_000 });
  });

  it('reads Notify API names in production', () => {
    const config = loadApiConfig({
      ...PRODUCTION,
      REDIS_ENABLED: 'true',
      REDIS_URL: 'redis://cache:6379',
      DOCUMENT_AUTHENTICATION_RATE_LIMIT: '10',
      DOCUMENT_AUTHENTICATE_RATE_INTERVAL_SECONDS: '60',
    });
    expect(config.authTokens).toEqual(['one', 'two']);
    expect(config.httpScheme).toBe('https');
    expect(config.antivirus).toMatchObject({
      enabled: true,
      host: 'https://antivirus.internal',
      apiKey: 'av-key',
    });
    expect(config.redis).toEqual({ enabled: true, url: 'redis://cache:6379' });
    expect(config.rateLimit).toEqual({ limit: 10, intervalSeconds: 60 });
  });

  it.each([
    'AUTH_TOKENS',
    'SECRET_KEY',
    'FRONTEND_HOSTNAME',
    'DOCUMENT_DOWNLOAD_API_HOSTNAME',
    'ANTIVIRUS_API_KEY',
  ])('names a missing %s in one line', (name) => {
    const env: Record<string, string> = { ...PRODUCTION };
    delete env[name];
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(new RegExp(`^[^\\n]*${name}[^\\n]*$`));
  });

  it('needs DOCUMENTS_BUCKET for the S3 store, and rejects bad values', () => {
    const dev = { NOTIFY_ENVIRONMENT: 'development' };
    expect(() => loadApiConfig({ ...dev, DOCUMENT_STORE: 's3' })).toThrow(/DOCUMENTS_BUCKET/);
    expect(loadApiConfig({ ...dev, DOCUMENT_STORE: 's3', DOCUMENTS_BUCKET: 'b' }).store).toMatchObject({
      kind: 's3',
      bucket: 'b',
    });
    expect(() => loadApiConfig({ ...dev, DOCUMENT_AUTHENTICATION_RATE_LIMIT: 'lots' })).toThrow(ConfigError);
    expect(() => loadApiConfig({ ...dev, REDIS_ENABLED: 'maybe' })).toThrow(/REDIS_ENABLED/);
    expect(() => loadApiConfig({ ...dev, HTTP_SCHEME: 'ftp' })).toThrow(/HTTP_SCHEME/);
    expect(() => loadApiConfig({ ...dev, AUTH_TOKENS: ':::' })).toThrow(/AUTH_TOKENS/);
  });

  it('treats an unset NOTIFY_ENVIRONMENT as production-like: no development secrets', () => {
    expect(() => loadApiConfig({})).toThrow(/AUTH_TOKENS/);
  });
});
