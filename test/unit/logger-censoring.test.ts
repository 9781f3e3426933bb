// What the logger itself censors, line by line: every secret a message, an error or a field can carry.
import { describe, expect, it } from 'vitest';
import { createLogger, isoTime } from '../../src/common/logging.js';
import { LogCapture } from '../helpers/log-capture.js';

const KEY = 'aOq0QX2yrcvUnqvmeF8kuKvM0Uz7u3oj3X8tSxsCGeU';
const EMAIL = 'private.person@example.com';
const SIGNED = 'eyJzZXJ2aWNlIjoic2VjcmV0In0.sig';
const TOKEN = 'eyJhbGciOi.eyJpc3Mi.signature';

function capture() {
  const out = new LogCapture();
  const logger = createLogger({ app: 'test', destination: out });
  const lines = () => out.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, out, lines };
}

describe('the logger', () => {
  it('censors secrets in messages, interpolated arguments and errors', () => {
    const { logger, out } = capture();
    logger.info(`fetched /d/x?key=${KEY} for ${EMAIL}`);
    logger.info(
      { event: 'x' },
      'upstream said %s',
      `Authorization: Bearer ${TOKEN} ${encodeURIComponent(EMAIL)}`,
    );
    logger.error({ err: new Error(`no document at /d/x?key=${KEY} and ${EMAIL}`) }, 'failed');
    const text = out.text();
    for (const secret of [KEY, EMAIL, TOKEN, encodeURIComponent(EMAIL)]) expect(text).not.toContain(secret);
    expect(text).toContain('key=REDACTED');
    expect(out.lines).toHaveLength(3);
  });

  it('censors key, email_address and signed_data one level down, and secret headers', () => {
    const { logger, out, lines } = capture();
    const document = { key: KEY, id: 'doc-1' };
    logger.info({ document, body: { email_address: EMAIL, signed_data: SIGNED } }, 'checked');
    logger.info({ headers: { authorization: `Bearer ${TOKEN}`, cookie: 'session=abc' } }, 'headers');
    logger.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, cookie: 'a=b' } } }, 'req');
    const text = out.text();
    for (const secret of [KEY, EMAIL, SIGNED, TOKEN, 'session=abc', 'a=b'])
      expect(text).not.toContain(secret);
    const [first = {}, second = {}] = lines();
    expect(first.document).toEqual({ key: 'REDACTED', id: 'doc-1' });
    expect(first.body).toEqual({ email_address: 'REDACTED', signed_data: 'REDACTED' });
    expect(second.headers).toEqual({ authorization: 'REDACTED', cookie: 'REDACTED' });
    // The caller's objects are left as they were.
    expect(document.key).toBe(KEY);
  });

  it('censors secret fields in child bindings', () => {
    const { logger, out } = capture();
    logger
      .child({ document: { key: KEY } })
      .child({ trace: 't' })
      .info('bound');
    expect(out.text()).not.toContain(KEY);
    expect(out.text()).toContain('"document":{"key":"REDACTED"}');
  });

  it('leaves a line with nothing secret as it is', () => {
    const { logger, lines } = capture();
    logger.info(
      { method: 'GET', path: '/d/*/*', query: ['key'], status: 200, durationMs: 1.5 },
      'GET /d/:service/:document 200',
    );
    expect(lines()[0]).toMatchObject({
      level: 'info',
      app: 'test',
      message: 'GET /d/:service/:document 200',
      method: 'GET',
      path: '/d/*/*',
      query: ['key'],
      status: 200,
      durationMs: 1.5,
    });
  });
});

describe('the time on a log line', () => {
  it('is the ISO time of the moment, to the millisecond', () => {
    const start = Date.parse('2026-12-06T03:59:59.990Z');
    for (const now of [0, 999, 1000, start, start + 9, start + 10, start + 11, Date.now()]) {
      expect(isoTime(now)).toBe(`,"time":"${new Date(now).toISOString()}"`);
    }
  });
});
