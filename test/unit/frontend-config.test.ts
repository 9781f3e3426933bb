import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/env.js';
import { loadFrontendConfig } from '../../src/frontend/config.js';

const production = {
  NOTIFY_ENVIRONMENT: 'production',
  PORT: '7001',
  API_HOST_NAME: 'https://api.notifications.service.gov.uk',
  ADMIN_CLIENT_SECRET: 'admin-secret',
  DOCUMENT_DOWNLOAD_API_HOST_NAME: 'https://download.documents.service.gov.uk/',
  SECRET_KEY: 'secret',
  ACCESSIBILITY_OPERATOR_NAME: 'Government Digital Service',
  ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
  ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
};

describe('frontend configuration', () => {
  it('has working local defaults in development', () => {
    const config = loadFrontendConfig({ NOTIFY_ENVIRONMENT: 'development' });
    expect(config.port).toBe(7001);
    expect(config.documentDownloadApiHostNameInternal).toBe(config.documentDownloadApiHostName);
    expect(config.requestTimeoutMs).toBe(30_000);
  });

  it('accepts HEADER_COLOUR, kept for compatibility with Notify, and ignores it', () => {
    expect(loadFrontendConfig({ ...production, HEADER_COLOUR: '#000000' })).toEqual(
      loadFrontendConfig(production),
    );
  });

  it('reads every variable in production', () => {
    const config = loadFrontendConfig({
      ...production,
      DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: 'http://document-api.internal:7000',
      HTTP_PROTOCOL: 'https',
      HTTP_SERVE_TIMEOUT_SECONDS: '5',
    });
    expect(config).toMatchObject({
      environment: 'production',
      documentDownloadApiHostName: 'https://download.documents.service.gov.uk',
      documentDownloadApiHostNameInternal: 'http://document-api.internal:7000',
      httpProtocol: 'https',
      requestTimeoutMs: 5000,
    });
  });

  it.each([
    'PORT',
    'API_HOST_NAME',
    'ADMIN_CLIENT_SECRET',
    'DOCUMENT_DOWNLOAD_API_HOST_NAME',
    'SECRET_KEY',
    'ACCESSIBILITY_OPERATOR_NAME',
    'ACCESSIBILITY_CONTACT_EMAIL',
    'ACCESSIBILITY_STATEMENT_PREPARED_ON',
  ])('names %s when it is missing outside development', (name) => {
    const env: Record<string, string | undefined> = { ...production, [name]: undefined };
    expect(() => loadFrontendConfig(env)).toThrow(
      new ConfigError(`Missing required environment variable: ${name}`),
    );
  });

  it('treats an unset environment as production-like', () => {
    expect(() => loadFrontendConfig({})).toThrow(ConfigError);
  });

  it('refuses malformed values with one line', () => {
    expect(() => loadFrontendConfig({ ...production, API_HOST_NAME: 'not a url' })).toThrow(/API_HOST_NAME/);
    expect(() => loadFrontendConfig({ ...production, HTTP_PROTOCOL: 'ftp' })).toThrow(/HTTP_PROTOCOL/);
    expect(() => loadFrontendConfig({ ...production, HTTP_SERVE_TIMEOUT_SECONDS: 'soon' })).toThrow(
      /HTTP_SERVE_TIMEOUT_SECONDS/,
    );
  });

  it('reads the accessibility statement’s operator, contact and dates, and refuses malformed ones', () => {
    expect(loadFrontendConfig(production).accessibility).toEqual({
      operatorName: 'Government Digital Service',
      contactEmail: 'accessibility@example.gov.uk',
      preparedOn: '2026-12-01',
      reviewedOn: '2026-12-01',
    });
    expect(
      loadFrontendConfig({ ...production, ACCESSIBILITY_STATEMENT_REVIEWED_ON: '2027-01-15' }).accessibility
        .reviewedOn,
    ).toBe('2027-01-15');
    expect(() => loadFrontendConfig({ ...production, ACCESSIBILITY_CONTACT_EMAIL: 'nobody' })).toThrow(
      /ACCESSIBILITY_CONTACT_EMAIL/,
    );
    for (const date of ['2026-02-30', '1 December 2026']) {
      expect(() => loadFrontendConfig({ ...production, ACCESSIBILITY_STATEMENT_PREPARED_ON: date })).toThrow(
        /ACCESSIBILITY_STATEMENT_PREPARED_ON must be a date as YYYY-MM-DD/,
      );
      expect(() => loadFrontendConfig({ ...production, ACCESSIBILITY_STATEMENT_REVIEWED_ON: date })).toThrow(
        /ACCESSIBILITY_STATEMENT_REVIEWED_ON/,
      );
    }
  });
});
