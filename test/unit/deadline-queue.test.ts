import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeadlineEntry, DeadlineQueue } from '../../src/common/deadline-queue.js';

interface Entry extends DeadlineEntry {
  name: string;
}
const entry = (name: string): Entry => ({ name, due: 0, previous: undefined, next: undefined });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('deadline queue', () => {
  it('expires each entry its fixed time after it was set, in order', () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue<Entry>(1000, (e) => expired.push(e.name));
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    queue.set(a);
    vi.advanceTimersByTime(300);
    queue.set(b);
    vi.advanceTimersByTime(300);
    queue.set(c);
    vi.advanceTimersByTime(399);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(300);
    expect(expired).toEqual(['a', 'b']);
    vi.advanceTimersByTime(300);
    expect(expired).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never expires a cancelled entry, and a set again counts from then', () => {
    const expired: string[] = [];
    const queue = new DeadlineQueue<Entry>(1000, (e) => expired.push(e.name));
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    queue.set(a);
    queue.set(b);
    queue.set(c);
    queue.cancel(a);
    queue.cancel(a);
    vi.advanceTimersByTime(500);
    queue.set(b);
    vi.advanceTimersByTime(500);
    expect(expired).toEqual(['c']);
    vi.advanceTimersByTime(499);
    expect(expired).toEqual(['c']);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['c', 'b']);
  });

  it('holds no timer once nothing is waiting', () => {
    const queue = new DeadlineQueue<Entry>(1000, () => undefined);
    const a = entry('a');
    queue.set(a);
    expect(vi.getTimerCount()).toBe(1);
    queue.cancel(a);
    expect(vi.getTimerCount()).toBe(0);
  });
});
