import { describe, expect, it } from 'vitest';
import { MemoryCheckResultCache } from '../../src/api/checks/result-cache.js';

describe('the in-memory file-check cache', () => {
  it('answers an entry for its TTL, then misses', async () => {
    let now = 1_000_000;
    const cache = new MemoryCheckResultCache(10, () => now);
    await cache.set('a', { mimetype: 'application/pdf' }, 60);
    now += 59_999;
    expect(await cache.get('a')).toEqual({ mimetype: 'application/pdf' });
    now += 2;
    expect(await cache.get('a')).toBeUndefined();
  });

  it('keeps at most its bound, the least recently used going first', async () => {
    const cache = new MemoryCheckResultCache(2);
    await cache.set('a', { mimetype: 'text/plain' }, 60);
    await cache.set('b', { error: 'File did not pass the virus scan', status: 400 }, 60);
    expect(await cache.get('a')).toEqual({ mimetype: 'text/plain' });
    await cache.set('c', { mimetype: 'text/csv' }, 60);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toEqual({ mimetype: 'text/plain' });
    expect(await cache.get('c')).toEqual({ mimetype: 'text/csv' });
  });
});
