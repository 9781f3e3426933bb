import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signNotifyToken, verifyNotifyToken } from '../../src/common/jwt.js';

const SECRETS = { 'notify-admin': 'test-admin-secret' };
const NOW = 1_700_000_000;
const key = (secret: string) => new TextEncoder().encode(secret);

describe("the admin client's token (the service directory's auth boundary)", () => {
  it('accepts our own HS256 token and one jose signs, within 30 seconds either side of iat', async () => {
    const ours = signNotifyToken('notify-admin', 'test-admin-secret', NOW);
    expect(await verifyNotifyToken(ours, SECRETS, 30, NOW + 30)).toEqual({
      ok: true,
      issuer: 'notify-admin',
      issuedAt: NOW,
    });
    expect(await verifyNotifyToken(ours, SECRETS, 30, NOW - 30)).toMatchObject({ ok: true });
    const theirs = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('notify-admin')
      .setIssuedAt(NOW)
      .sign(key('test-admin-secret'));
    expect(await verifyNotifyToken(theirs, SECRETS, 30, NOW)).toMatchObject({ ok: true });
  });

  it('says why it refuses a token', async () => {
    const reason = async (token: string, now = NOW) => {
      const check = await verifyNotifyToken(token, SECRETS, 30, now);
      return check.ok ? 'accepted' : check.reason;
    };
    const token = signNotifyToken('notify-admin', 'test-admin-secret', NOW);
    expect(await reason(token, NOW + 31)).toBe('token expired');
    expect(await reason(token, NOW - 31)).toBe('token expired');
    expect(await reason(signNotifyToken('notify-admin', 'wrong', NOW))).toBe('invalid signature');
    expect(await reason(signNotifyToken('someone', 'test-admin-secret', NOW))).toBe('unknown issuer');
    expect(await reason(signNotifyToken('__proto__', 'x', NOW))).toBe('unknown issuer');
    expect(await reason('a.b.c')).toBe('malformed token');
    expect(await reason('')).toBe('malformed token');
    const [, claims, signature] = token.split('.');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(await reason(`${none}.${claims}.${signature}`)).toBe('unsupported algorithm');
    expect(await reason(new UnsecuredJWT({ iss: 'notify-admin', iat: NOW }).encode())).toBe(
      'unsupported algorithm',
    );
    const hs512 = await new SignJWT({ iss: 'notify-admin', iat: NOW })
      .setProtectedHeader({ alg: 'HS512' })
      .sign(key('test-admin-secret'));
    expect(await reason(hs512)).toBe('unsupported algorithm');
    const noIat = await new SignJWT({ iss: 'notify-admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(key('test-admin-secret'));
    expect(await reason(noIat)).toBe('missing claims');
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('notify-admin')
      .setIssuedAt(NOW)
      .setExpirationTime(NOW - 1)
      .sign(key('test-admin-secret'));
    expect(await reason(expired)).toBe('token expired');
  });
});
