// The server settings read from the environment: the header timeout and the metrics listener.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/common/env.js';
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

  it('kill a silent worker well before the request deadline: half of it, between 1 s and 5 s', () => {
    expect(loadServerSettings({}, app).watchdogTimeoutMs).toBe(5000);
    expect(loadServerSettings({}, app).heartbeatIntervalMs).toBe(1000);
    const limit = (seconds: number) =>
      loadServerSettings({}, { ...app, requestTimeoutMs: seconds * 1000 }).watchdogTimeoutMs;
    expect(limit(6)).toBe(3000);
    expect(limit(3)).toBe(1500);
    expect(limit(2)).toBe(1000);
    expect(limit(1)).toBe(1000); // never past the deadline, never under a second
    expect(limit(600)).toBe(5000);
  });
});
