import fs from 'node:fs';
import type { DestinationStream } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { terminalLogDestination } from '../../src/common/terminal-logs.js';

// A log record as the apps' pino logger writes it: the text under `message`, a local time of 13:04:05.678.
const RECORD = {
  level: 30,
  time: new Date(2024, 0, 2, 13, 4, 5, 678).getTime(),
  pid: 4242,
  hostname: 'build-host',
  app: 'document-download-frontend',
  message: 'listening',
  port: 7000,
};

/** What the destination writes to stdout (fd 1) for one JSON line, colours removed. */
function printed(destination: DestinationStream, record: object): string {
  const written: string[] = [];
  const writeSync = fs.writeSync;
  vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string | Uint8Array, ...rest: never[]) => {
    if (fd !== 1) return writeSync(fd, data as string, ...rest);
    written.push(String(data));
    return Buffer.byteLength(String(data));
  }) as typeof fs.writeSync);
  destination.write(`${JSON.stringify(record)}\n`);
  vi.restoreAllMocks();
  // eslint-disable-next-line no-control-regex
  return written.join('').replace(/\x1b\[[0-9;]*m/g, '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('terminal log lines', () => {
  it('are JSON (no destination of their own) unless local and on a TTY', async () => {
    expect(await terminalLogDestination(false, { isTTY: true })).toBeUndefined();
    expect(await terminalLogDestination(true, { isTTY: false })).toBeUndefined();
    expect(await terminalLogDestination(true, {})).toBeUndefined();
  });

  it('are one readable line per record in a local terminal: local time, level, message, the other fields', async () => {
    const destination = await terminalLogDestination(true, { isTTY: true });
    if (!destination) throw new Error('no terminal destination although local and on a TTY');
    const output = printed(destination, RECORD);
    const [first, ...rest] = output.trimEnd().split('\n');
    expect(first).toBe('[13:04:05.678] INFO: listening');
    expect(rest.join('\n')).toContain('port: 7000');
    for (const dropped of ['4242', 'build-host', 'document-download-frontend']) {
      expect(output).not.toContain(dropped);
    }
  });
});
