// The server settings read from the environment: the header timeout and the metrics listener.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/config-error.js';
import { loadServerSettings } from '../../src/server/settings.js';

const app = { port: 7001, requestTimeoutMs: 30_000, logLevel: 'info' };

describe('server settings', () => {
  it('time headers for 15 s by default, whatever the keep-alive timeout, and a whole request for headers + deadline', () => {
    const settings = loadServerSettings({ KEEPALIVE_SECONDS: '90' }, app);
    expect(settings.headersTimeoutMs).toBe(15_000);
    expect(settings.keepAliveMs).toBe(90_000);
    expect(settings.receiveTimeoutMs).toBe(45_000);
    expect(loadServerSettings({ HTTP_HEADERS_TIMEOUT_SECONDS: '10' }, app).headersTimeoutMs).toBe(10_000);
    expect(() => loadServerSettings({ HTTP_HEADERS_TIMEOUT_SECONDS: '0' }, app)).toThrow(ConfigError);
    expect(() => loadServerSettings({ HTTP_HEADERS_TIMEOUT_SECONDS: 'soon' }, app)).toThrow(
      /HTTP_HEADERS_TIMEOUT_SECONDS/,
    );
  });

  it('serve metrics only when METRICS_PORT is set, on loopback unless METRICS_HOST says otherwise', () => {
    expect(loadServerSettings({}, app).metrics).toBeUndefined();
    expect(loadServerSettings({ METRICS_PORT: '9101' }, app).metrics).toEqual({
      port: 9101,
      host: '127.0.0.1',
    });
    expect(loadServerSettings({ METRICS_PORT: '9101', METRICS_HOST: '0.0.0.0' }, app).metrics).toEqual({
      port: 9101,
      host: '0.0.0.0',
    });
    expect(() => loadServerSettings({ METRICS_PORT: 'x' }, app)).toThrow(/METRICS_PORT/);
  });
});
