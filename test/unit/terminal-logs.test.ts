import { describe, expect, it } from 'vitest';
import { terminalLogDestination } from '../../src/common/terminal-logs.js';

describe('terminal log lines', () => {
  it('are JSON (no destination of their own) unless local and on a TTY', async () => {
    expect(await terminalLogDestination(false, { isTTY: true })).toBeUndefined();
    expect(await terminalLogDestination(true, { isTTY: false })).toBeUndefined();
    expect(await terminalLogDestination(true, {})).toBeUndefined();
  });

  it('are pino-pretty lines in a local terminal', async () => {
    const destination = await terminalLogDestination(true, { isTTY: true });
    expect(destination).toBeDefined();
    expect(typeof destination?.write).toBe('function');
  });
});
