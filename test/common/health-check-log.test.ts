import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../helpers/api-harness.js';
import { setUpFrontendTest } from '../helpers/frontend-harness.js';
import { documentApiRoutes } from '../../src/common/routes.js';

interface AccessLine {
  level: string;
  path?: string;
  status?: number;
}

/** The access-log lines (those with a status) for `path`. */
function accessLines(lines: string[], path: string): AccessLine[] {
  return lines
    .map((line) => JSON.parse(line) as AccessLine)
    .filter((line) => line.status !== undefined && line.path === path);
}

describe('health checks stay out of the info-level access log', () => {
  describe('document API', () => {
    let api: RunningApi;
    beforeAll(async () => {
      api = await startApi();
    });
    afterAll(() => api.close());

    it('logs a healthy status at debug on either status route, other requests at info', async () => {
      for (const path of [documentApiRoutes.status, documentApiRoutes.servicesStatus, '/no-such-route']) {
        await (await fetch(api.url + path)).arrayBuffer();
      }
      expect(accessLines(api.logs.lines, documentApiRoutes.status).map((line) => line.level)).toEqual([
        'debug',
      ]);
      expect(accessLines(api.logs.lines, documentApiRoutes.servicesStatus).map((line) => line.level)).toEqual(
        ['debug'],
      );
      expect(accessLines(api.logs.lines, '/no-such-route').map((line) => line.level)).toEqual(['info']);
    });
  });

  describe('frontend', () => {
    const harness = setUpFrontendTest();

    it('logs a healthy /_status at debug and a page at info', async () => {
      await (await harness.fetch('/_status')).arrayBuffer();
      await (await harness.fetch('/no-such-page')).arrayBuffer();
      expect(accessLines(harness.logLines, '/_status').map((line) => line.level)).toEqual(['debug']);
      expect(accessLines(harness.logLines, '/no-such-page').map((line) => line.level)).toEqual(['info']);
    });
  });
});
