import { describe, expect, it } from 'vitest';
import { ClamdError, ClamdSizeLimitError, parseScanReply } from '../../src/antivirus/clamd.js';
import { loadAntivirusConfig, parseClamdAddress } from '../../src/antivirus/config.js';
import { ConfigError } from '../../src/common/env.js';

describe("clamd's INSTREAM replies", () => {
  it('reads clean, found (with or without a session id), size limit and other errors', () => {
    expect(parseScanReply('stream: OK')).toEqual({ clean: true });
    expect(parseScanReply('stream: Eicar-Test-Signature.UNOFFICIAL FOUND')).toEqual({
      clean: false,
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
    });
    expect(parseScanReply('3: stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({
      clean: false,
      signature: 'Win.Test.EICAR_HDB-1',
    });
    expect(() => parseScanReply('INSTREAM size limit exceeded. ERROR')).toThrow(ClamdSizeLimitError);
    expect(() => parseScanReply("stream: Can't allocate memory ERROR")).toThrow(ClamdError);
    expect(() => parseScanReply('UNKNOWN COMMAND')).toThrow(ClamdError);
    expect(() => parseScanReply('')).toThrow(ClamdError);
  });
});

describe('antivirus configuration', () => {
  it('reads CLAMD_SOCKET as a path or tcp://host:port', () => {
    expect(parseClamdAddress('/run/clamav/clamd.ctl')).toEqual({ path: '/run/clamav/clamd.ctl' });
    expect(parseClamdAddress('tcp://clamav:3310')).toEqual({ host: 'clamav', port: 3310 });
    expect(parseClamdAddress('tcp://[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(() => parseClamdAddress('tcp://clamav')).toThrow(ConfigError);
    expect(() => parseClamdAddress('tcp://clamav:99999')).toThrow(ConfigError);
  });

  it("has local defaults, needs PORT and the key elsewhere, and uses the API's larger file limit", () => {
    const local = loadAntivirusConfig({ NOTIFY_ENVIRONMENT: 'development' });
    expect(local).toMatchObject({
      port: 6016,
      apiKey: 'test-key',
      clamd: { address: { path: '/var/run/clamav/clamd.ctl' }, timeoutMs: 20_000 },
      maxFileSize: 100 * 1024 * 1024,
      requestTimeoutMs: 30_000,
    });
    const base = { PORT: '1', ANTIVIRUS_API_KEY: 'k' };
    expect(loadAntivirusConfig({ ...base, MAX_STREAMED_FILE_SIZE: '5000000' }).maxFileSize).toBe(5_000_000);
    // The larger of the API's two limits: a JSON limit raised above the streamed one still scans.
    expect(
      loadAntivirusConfig({ ...base, MAX_STREAMED_FILE_SIZE: '1000', MAX_DECODED_FILE_SIZE: '3000000' })
        .maxFileSize,
    ).toBe(3_000_000);
    expect(() => loadAntivirusConfig({ ...base, MAX_STREAMED_FILE_SIZE: 'lots' })).toThrow(ConfigError);
    expect(() => loadAntivirusConfig({ ANTIVIRUS_API_KEY: 'k' })).toThrow(
      'Missing required environment variable: PORT',
    );
    expect(() => loadAntivirusConfig({ PORT: '6016' })).toThrow(
      'Missing required environment variable: ANTIVIRUS_API_KEY',
    );
    expect(
      loadAntivirusConfig({ PORT: '1', ANTIVIRUS_API_KEY: 'k', HTTP_SERVE_TIMEOUT_SECONDS: '5' }).clamd
        .timeoutMs,
    ).toBe(5000);
  });
});
