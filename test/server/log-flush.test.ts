// Workers write their log lines without waiting for each write: none may be lost when the process ends,
// whether by a graceful stop (SIGTERM to the server) or by an uncaught exception.
import { afterEach, describe, expect, it } from 'vitest';
import { get, type LogLine, type RunningServer, startServer } from './helpers.js';

const LINES = 5000;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const burstLines = (logs: LogLine[], tag: string) =>
  logs.filter((line) => line.event === 'burst' && line.tag === tag).map((line) => line.line as number);
const everyLine = Array.from({ length: LINES }, (_, line) => line);

describe('log lines written just before the process ends', { timeout: 120_000 }, () => {
  for (const workers of ['1', '2']) {
    it(`all reach stdout on a graceful stop (WEB_CONCURRENCY=${workers})`, async () => {
      server = await startServer({ WEB_CONCURRENCY: workers });
      const answer = await get(server.port, `/log-burst?lines=${LINES}&tag=stop`);
      expect(answer.status).toBe(200);
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      expect(code).toBe(0);
      expect(burstLines(server.logs, 'stop')).toEqual(everyLine);
      expect(server.logs.at(-1)?.event).toBe('server_stopped');
    });
  }

  it('all reach stdout when an uncaught exception ends the process', async () => {
    server = await startServer({ WEB_CONCURRENCY: '1' });
    const answer = await get(server.port, `/log-burst?lines=${LINES}&tag=crash&crash=1`);
    expect(answer.status).toBe(200);
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(server.stderr()).toContain('fixture crash after a burst of log lines');
    expect(burstLines(server.logs, 'crash')).toEqual(everyLine);
  });
});
