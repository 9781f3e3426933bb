import { describe, expect, it } from 'vitest';
import { formatOwner, ownerIsGone, parseOwner, processStartTicks } from '../../src/api/store/write-owner.js';

describe('the owner of a local store temporary file', () => {
  it('reads the start time from /proc/PID/stat, whatever the command name holds', () => {
    const stat =
      '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 11 0 987654 1000 100';
    expect(processStartTicks(4242, () => stat)).toBe('987654');
    expect(processStartTicks(4242, () => undefined)).toBeUndefined();
  });

  it('round-trips through a file name, and refuses anything else', () => {
    const owner = { host: '0123abcd', pid: 77, startTicks: '123' };
    expect(parseOwner(formatOwner(owner))).toEqual(owner);
    expect(parseOwner(formatOwner({ ...owner, startTicks: undefined }))).toEqual({
      ...owner,
      startTicks: undefined,
    });
    for (const bad of ['', 'x-1-2', '0123abcd-1', '0123abcd-a-1', '0123abcd-1-2-3'])
      expect(parseOwner(bad)).toBeUndefined();
  });

  it('is gone when its process is, or another process now has its id; unknown on another host', () => {
    const here = {
      host: 'aaaaaaaa',
      startTicksOf: (pid: number) => (pid === 1 ? '100' : undefined),
      exists: (pid: number) => pid === 1,
    };
    expect(ownerIsGone({ host: 'aaaaaaaa', pid: 1, startTicks: '100' }, here)).toBe(false);
    expect(ownerIsGone({ host: 'aaaaaaaa', pid: 1, startTicks: '99' }, here)).toBe(true);
    expect(ownerIsGone({ host: 'aaaaaaaa', pid: 2, startTicks: '100' }, here)).toBe(true);
    expect(ownerIsGone({ host: 'bbbbbbbb', pid: 2, startTicks: '100' }, here)).toBeUndefined();
    expect(ownerIsGone({ host: 'aaaaaaaa', pid: 2, startTicks: undefined }, here)).toBe(true);
    expect(ownerIsGone({ host: 'aaaaaaaa', pid: 1, startTicks: undefined }, here)).toBeUndefined();
  });
});
