import { describe, expect, it } from 'vitest';
import {
  base64urlToUuid,
  decodeKey,
  generateKey,
  bytesToBase64url,
  uuidToBase64url,
} from '../../src/common/ids.js';

const UUID = '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e';

describe('ids in links', () => {
  it('round-trips a UUID through its 22-character form', () => {
    const encoded = uuidToBase64url(UUID);
    expect(encoded).toHaveLength(22);
    expect(encoded).toBe(Buffer.from(UUID.replace(/-/g, ''), 'hex').toString('base64url'));
    expect(base64urlToUuid(encoded)).toBe(UUID);
  });

  it('accepts the == padding some links carry', () => {
    expect(base64urlToUuid(`${uuidToBase64url(UUID)}==`)).toBe(UUID);
  });

  it.each([
    ['empty', ''],
    ['too short', 'Oo5uHAtSSn2cHl8KKzxN'],
    ['too long', 'Oo5uHAtSSn2cHl8KKzxNXgAA'],
    ['standard base64 characters', 'Oo5uHAtSSn2cHl8KKzx+Xg'],
    ['slash', 'Oo5uHAtSSn2cHl8KKzx/Xg'],
    ['non-canonical last character', 'Oo5uHAtSSn2cHl8KKzxNXh'],
    ['unicode', 'Oo5uHAtSSn2cHl8KKzxNé'],
    ['dots', '..'],
  ])('rejects %s', (_name, value) => {
    expect(base64urlToUuid(value)).toBeUndefined();
  });

  it('refuses to encode something that is not a UUID', () => {
    expect(() => uuidToBase64url('not-a-uuid')).toThrow();
  });
});

describe('document keys', () => {
  it('generates 32 random bytes that encode to 43 characters', () => {
    const key = generateKey();
    expect(key).toHaveLength(32);
    expect(bytesToBase64url(key)).toHaveLength(43);
    expect(generateKey().equals(key)).toBe(false);
  });

  it('accepts every canonical last character of a key', () => {
    for (const last of 'AEIMQUYcgkosw048') expect(decodeKey(`${'a'.repeat(42)}${last}`)).toHaveLength(32);
  });

  it('decodes a key with or without padding', () => {
    const key = generateKey();
    const text = bytesToBase64url(key);
    expect(decodeKey(text)?.equals(key)).toBe(true);
    expect(decodeKey(`${text}=`)?.equals(key)).toBe(true);
  });

  it.each([
    ['short', 'a'.repeat(42)],
    ['long', 'a'.repeat(44)],
    ['bad characters', `${'a'.repeat(42)}!`],
    ['standard base64', `${'a'.repeat(42)}+`],
    ['empty', ''],
    // 43 characters carry 258 bits for 256: the last one must leave its 2 low bits clear.
    ['non-canonical', `${'a'.repeat(42)}B`],
  ])('rejects a %s key', (_name, value) => {
    expect(decodeKey(value)).toBeUndefined();
  });
});
