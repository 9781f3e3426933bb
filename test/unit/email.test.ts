import { describe, expect, it } from 'vitest';
import { isValidEmailAddress, validateEmailAddress } from '../../src/common/email.js';

const valid = [
  'email@domain.com',
  'email@domain.COM',
  'firstname.lastname@domain.com',
  "firstname.o'lastname@domain.com",
  'email@subdomain.domain.com',
  'firstname+lastname@domain.com',
  '1234567890@domain.com',
  'email@domain-one.com',
  '_______@domain.com',
  'email@domain.name',
  'email@domain.superlongtld',
  'email@domain.co.jp',
  'firstname-lastname@domain.com',
  'info@german-financial-services.vermögensberatung',
  'info@german-financial-services.reallylongarbitrarytldthatiswaytoohugejustincase',
  'japanese-info@例え.テスト',
  'email@double--hyphen.com',
  `${'a'.repeat(64)}@${'b'.repeat(63)}.com`,
];

const invalid = [
  'email@123.123.123.123',
  'email@[123.123.123.123]',
  'plainaddress',
  '@no-local-part.com',
  'Outlook Contact <outlook-contact@domain.com>',
  'no-at.domain.com',
  'no-tld@domain',
  ';beginning-semicolon@domain.co.uk',
  'middle-semicolon@domain.co;uk',
  'trailing-semicolon@domain.com;',
  '"email+leading-quotes@domain.com',
  'email+middle"-quotes@domain.com',
  '"quoted-local-part"@domain.com',
  '"quoted@domain.com"',
  'lots-of-dots@domain..gov..uk',
  'two-dots..in-local@domain.com',
  'multiple@domains@domain.com',
  'spaces in local@domain.com',
  'spaces-in-domain@dom ain.com',
  'underscores-in-domain@dom_ain.com',
  'pipe-in-domain@example.com|gov.uk',
  'comma,in-local@gov.uk',
  'comma-in-domain@domain,gov.uk',
  'pound-sign-in-local£@domain.com',
  'local-with-’-apostrophe@domain.com',
  'local-with-”-quotes@domain.com',
  'domain-starts-with-a-dot@.domain.com',
  'brackets(in)local@domain.com',
  'incorrect-punycode@xn---something.com',
  'hyphen-at-label-end@domain-.com',
  'tld-with-digit@domain.c0m',
  'single-letter-tld@domain.c',
];

describe("Notify's email rules", () => {
  it.each(valid)('accepts %s', (email) => {
    expect(isValidEmailAddress(email)).toBe(true);
  });

  it.each(invalid)('rejects %s', (email) => {
    expect(isValidEmailAddress(email)).toBe(false);
  });

  it('strips surrounding and invisible whitespace first', () => {
    expect(validateEmailAddress('  email@domain.com \n')).toBe('email@domain.com');
    expect(validateEmailAddress('\u200Bemail@domain.com\uFEFF')).toBe('email@domain.com');
  });

  it('enforces the 320-character limit on the whole address', () => {
    const host = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`;
    const local = 'x'.repeat(320 - host.length - 1);
    expect(isValidEmailAddress(`${local}@${host}`)).toBe(true);
    expect(isValidEmailAddress(`x${local}@${host}`)).toBe(false);
  });

  it('enforces the 253-character limit on the hostname', () => {
    const labels = (count: number) => Array.from({ length: count }, () => 'a'.repeat(49)).join('.');
    const fits = `${labels(5)}.co`; // 5 * 49 + 4 dots + 3 = 252
    expect(fits.length).toBeLessThanOrEqual(253);
    expect(isValidEmailAddress(`me@${fits}`)).toBe(true);
    const tooLong = `${labels(5)}.abcdefg`;
    expect(tooLong.length).toBeGreaterThan(253);
    expect(isValidEmailAddress(`me@${tooLong}`)).toBe(false);
  });

  it('enforces the 63-character limit on each hostname label', () => {
    expect(isValidEmailAddress(`me@${'a'.repeat(63)}.com`)).toBe(true);
    expect(isValidEmailAddress(`me@${'a'.repeat(64)}.com`)).toBe(false);
    expect(isValidEmailAddress(`me@domain.${'a'.repeat(64)}`)).toBe(false);
  });

  it('checks unicode hostnames by their IDNA (punycode) length', () => {
    // Each "ü" label grows when encoded: 30 characters become "xn--" plus punycode.
    expect(isValidEmailAddress(`me@${'ü'.repeat(30)}.com`)).toBe(true);
    expect(isValidEmailAddress(`me@${'ü'.repeat(62)}.com`)).toBe(false);
  });
});
