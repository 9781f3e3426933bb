import { describe, expect, it } from 'vitest';
import { PartBuffers } from '../../src/api/store/part-buffers.js';

describe('PartBuffers', () => {
  it('always gives a write its own buffer, even over the budget', () => {
    const pool = new PartBuffers(16, 2);
    const owns = [pool.own(), pool.own(), pool.own()];
    expect(owns.every((buffer) => buffer.length === 16)).toBe(true);
    expect(pool.inUse).toBe(3);
  });

  it('lends more only while fewer than the budget are in use', () => {
    const pool = new PartBuffers(16, 3);
    pool.own();
    const first = pool.borrow();
    expect(first).toBeDefined();
    expect(pool.borrow()).toBeDefined();
    expect(pool.borrow()).toBeUndefined();
    pool.release(first as Buffer);
    expect(pool.borrow()).toBe(first);
  });

  it('keeps given-back buffers for reuse, never more than the budget in all', () => {
    const pool = new PartBuffers(16, 2);
    const buffers = [pool.own(), pool.own(), pool.own(), pool.own()];
    for (const buffer of buffers) pool.release(buffer);
    expect(pool.inUse).toBe(0);
    expect(pool.kept).toBe(2);
    const again = pool.own();
    expect(buffers).toContain(again);
    expect(pool.inUse + pool.kept).toBe(2);
  });
});
