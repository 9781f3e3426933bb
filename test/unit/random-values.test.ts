import { describe, expect, it } from 'vitest';
import { randomBase64, randomHex } from '../../src/common/random-values.js';

describe('random ids from the pooled CSPRNG', () => {
  it('gives the asked number of bytes, in hex and in base64', () => {
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(Buffer.from(randomBase64(16), 'base64')).toHaveLength(16);
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    // 5,000 × 16 bytes is twenty 4 KiB refills; a repeat of a 128-bit value means reused bytes.
    const values = Array.from({ length: 5000 }, (_, i) => (i % 2 ? randomHex(16) : randomBase64(16)));
    const asHex = values.map((v, i) => (i % 2 ? v : Buffer.from(v, 'base64').toString('hex')));
    expect(new Set(asHex).size).toBe(values.length);
  });
});
