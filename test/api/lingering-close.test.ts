// An answer given before the request's body has all arrived (a malformed id, a missing token, a file over the
// limit) reaches a client that is still sending: the connection closes only after a bounded linger.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_TOKEN, type RunningApi, SERVICE_ID, startApi } from '../helpers/api-harness.js';
import { documentApiPaths } from '../../src/common/routes.js';

interface Sent {
  /** Everything the server sent, as text. */
  received: string;
  /** Body bytes written before the connection ended (or all of them). */
  written: number;
  /** How the connection ended for the client. */
  ending: 'closed' | 'reset' | 'timeout';
}

/**
 * Sends the head, then `bodyBytes` of body in 64 KiB pieces as fast as the server takes them, and reads the
 * answer only once it has sent everything (or could send no more), as a simple client does: an answer the
 * server's kernel reset away in the meantime is lost.
 */
function sendWhileAnswered(
  port: number,
  head: string,
  bodyBytes: number,
  { gapMs = 0, readWhileSending = false } = {},
): Promise<Sent> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let written = 0;
    let done = false;
    const finish = (ending: Sent['ending']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(received).toString('latin1'), written, ending });
    };
    const timer = setTimeout(() => finish('timeout'), 15_000);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('reset'));
    if (!readWhileSending) socket.pause();
    socket.write(head);
    const piece = Buffer.alloc(64 * 1024, 0x61);
    void (async () => {
      while (written < bodyBytes && !done && socket.writable) {
        const bytes = piece.subarray(0, Math.min(piece.length, bodyBytes - written));
        written += bytes.length;
        if (!socket.write(bytes)) {
          await new Promise((next) => {
            socket.once('drain', next);
            socket.once('close', next);
          });
        }
        if (gapMs) await new Promise((next) => setTimeout(next, gapMs));
      }
      socket.resume();
    })();
  });
}

function head(path: string, headers: Record<string, string>, length: number): string {
  const lines = Object.entries({ Host: 'localhost', ...headers, 'Content-Length': String(length) });
  return `POST ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
}

let api: RunningApi;
let port = 0;
beforeAll(async () => {
  api = await startApi({ MAX_STREAMED_FILE_SIZE: '100000' });
  port = Number(new URL(api.url).port);
});
afterAll(() => api.close());

describe('an early answer to a client still sending', () => {
  const form = { 'Content-Type': 'multipart/form-data; boundary=x' };
  const multipartHead = '--x\r\nContent-Disposition: form-data; name="document"; filename="a"\r\n\r\n';

  it.each([
    [
      'a malformed service id (404)',
      documentApiPaths.upload('not-a-uuid'),
      { Authorization: `Bearer ${AUTH_TOKEN}`, ...form },
      404,
    ],
    ['no bearer token (401)', documentApiPaths.upload(SERVICE_ID), form, 401],
    [
      'a file over the streamed limit (413)',
      documentApiPaths.upload(SERVICE_ID),
      { Authorization: `Bearer ${AUTH_TOKEN}`, ...form },
      413,
    ],
  ])('%s reaches the client, then the connection closes', async (_name, path, headers, status) => {
    const bodyBytes = 6 * 1024 * 1024;
    const sent = await sendWhileAnswered(port, head(path, headers, bodyBytes) + multipartHead, bodyBytes, {
      gapMs: 1,
    });
    expect(sent.received).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(sent.received.toLowerCase()).toContain('connection: close');
    expect(sent.received).toMatch(/\{"error":"[^"]+"\}$/);
    expect(sent.ending).not.toBe('timeout');
  });

  it('stops reading after a bounded amount and closes (a client reading as it sends has the answer)', async () => {
    const bodyBytes = 200 * 1024 * 1024;
    const sent = await sendWhileAnswered(
      port,
      head(documentApiPaths.upload('not-a-uuid'), { ...form }, bodyBytes),
      bodyBytes,
      { readWhileSending: true },
    );
    expect(sent.received).toMatch(/^HTTP\/1\.1 404 /);
    expect(sent.ending).not.toBe('timeout');
    expect(sent.written).toBeLessThan(bodyBytes);
  });
});
