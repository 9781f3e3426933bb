import { afterEach, describe, expect, it } from 'vitest';
import { documentApiPaths } from '../../src/common/routes.js';
import {
  CONFIRM_PATH,
  documentJson,
  DOWNLOAD_PATH,
  FrontendHarness,
  KEY,
  LANDING_PATH,
  parseHtml,
  textOf,
} from '../helpers/frontend-harness.js';
import { formBody, formSession } from '../helpers/forms.js';

let harness: FrontendHarness;
afterEach(() => harness.stop());

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('request deadline', () => {
  it('answers with the 504 page when an upstream hangs, and abandons the upstream call', async () => {
    harness = new FrontendHarness();
    await harness.start({ HTTP_SERVE_TIMEOUT_SECONDS: '1' });
    harness.documentApi.handler = () => 'hang';
    const started = Date.now();
    const response = await harness.fetch(`${LANDING_PATH}?key=${KEY}`);
    const elapsed = Date.now() - started;
    expect(response.status).toBe(504);
    const $ = parseHtml(await response.text());
    expect(textOf($('h1'))).toBe('Sorry, there’s a problem with the service');
    expect(textOf($('main'))).toContain('You cannot download your file at the moment.');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
    expect(harness.documentApi.requests).toHaveLength(1);
    await waitFor(() => harness.documentApi.hangingCount === 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.logLines.filter((line) => /"level":"(error|fatal)"/.test(line))).toEqual([]);
    // The server keeps working afterwards.
    harness.documentApi.handler = () => ({ status: 200, json: documentJson() });
    expect((await harness.fetch(`${LANDING_PATH}?key=${KEY}`)).status).toBe(200);
  });
});

describe('logs', () => {
  it('never contain the key, the email address or the access token, through a whole journey', async () => {
    harness = new FrontendHarness();
    await harness.start();
    const email = 'private.person@example.com';
    harness.documentApi.handler = (request) => {
      if (request.url.endsWith('/authenticate')) {
        const body = JSON.parse(request.body) as { email_address: string };
        return body.email_address === email
          ? {
              status: 200,
              json: {
                signed_data: 'SECRET-SIGNED-DATA',
                direct_file_url: `http://download.example.gov.uk/f.pdf?key=${KEY}`,
              },
            }
          : { status: 403, json: { error: 'no' } };
      }
      if (request.url.includes('5f0a2b3c'))
        return { status: 200, json: documentJson({ confirm_email: true }) };
      return { status: 500, json: { error: `upstream failure mentioning ${KEY} and ${email}` } };
    };

    await harness.fetch(`${LANDING_PATH}?key=${KEY}`);
    const form = await formSession(await harness.fetch(`${CONFIRM_PATH}?key=${KEY}`));
    for (const address of ['wrong@example.com', email]) {
      await harness.fetch(`${CONFIRM_PATH}?key=${KEY}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie },
        body: formBody({ csrf_token: form.token, email_address: address }),
      });
    }
    await harness.fetch(`${DOWNLOAD_PATH}?key=${KEY}`);
    await harness.fetch(`${LANDING_PATH}?key=${KEY.slice(2)}`);
    await harness.fetch(`${documentApiPaths.download('a', 'b')}?key=${KEY}`);

    const logs = harness.logLines.join('\n');
    expect(harness.logLines.length).toBeGreaterThan(5);
    for (const secret of [KEY, KEY.slice(2), email, 'wrong@example.com', 'SECRET-SIGNED-DATA', form.token]) {
      expect(logs).not.toContain(secret);
    }
    const access = harness.logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l.status);
    expect(access.length).toBeGreaterThanOrEqual(7);
    for (const line of access) {
      expect(line).toMatchObject({ level: 'info', app: 'frontend-test' });
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof line.time).toBe('string');
      // The path and the query's parameter names; no request target, so no value, is logged.
      expect(line.url).toBeUndefined();
      expect(String(line.path)).toMatch(/^\/(d|services)\//);
      expect(line.query).toEqual(['key']);
    }
  });
});
