import { describe, expect, it } from 'vitest';
import { signNotifyToken, verifyNotifyToken } from '../../src/common/jwt.js';
import { loggablePath, loggableQueryNames, redactSecrets } from '../../src/common/redact.js';
import { accessCookieDomain, accessCookiePath } from '../../src/frontend/access-cookie-scope.js';

describe('access cookie scope', () => {
  it.each([
    ['https://download.documents.service.gov.uk', 'documents.service.gov.uk'],
    ['https://download.example.gov.uk:8443', 'example.gov.uk'],
    ['https://documents-api.example.gov.uk', 'documents-api.example.gov.uk'],
    ['http://localhost:7000', undefined],
    ['http://download.localhost:7000', undefined],
    ['http://127.0.0.1:7000', undefined],
    ['http://[::1]:7000', undefined],
  ])('%s → %s', (url, domain) => {
    expect(accessCookieDomain(url)).toBe(domain);
  });

  it('is scoped to the path of the direct file URL', () => {
    expect(accessCookiePath('https://download.example.gov.uk/services/a/documents/b.pdf?key=k')).toBe(
      '/services/a/documents/b.pdf',
    );
  });
});

describe('Notify admin JWT', () => {
  const secrets = { 'notify-admin': 'secret' };

  it('signs HS256 tokens with iss and iat that verify', async () => {
    const token = signNotifyToken('notify-admin', 'secret', 1_700_000_000);
    const [header, claims] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(claims).toEqual({ iss: 'notify-admin', iat: 1_700_000_000 });
    expect(await verifyNotifyToken(token, secrets, 30, 1_700_000_010)).toEqual({
      ok: true,
      issuer: 'notify-admin',
      issuedAt: 1_700_000_000,
    });
  });

  it('refuses wrong secrets, old tokens, unknown issuers and junk', async () => {
    const token = signNotifyToken('notify-admin', 'secret', 1_700_000_000);
    expect((await verifyNotifyToken(token, { 'notify-admin': 'other' }, 30, 1_700_000_000)).ok).toBe(false);
    expect((await verifyNotifyToken(token, secrets, 30, 1_700_000_031)).ok).toBe(false);
    expect((await verifyNotifyToken(signNotifyToken('someone', 'secret'), secrets)).ok).toBe(false);
    expect((await verifyNotifyToken('a.b.c', secrets)).ok).toBe(false);
    expect((await verifyNotifyToken('', secrets)).ok).toBe(false);
    expect((await verifyNotifyToken(signNotifyToken('__proto__', 'x'), secrets)).ok).toBe(false);
  });
});

describe('log redaction', () => {
  it('removes keys, emails and bearer tokens', () => {
    const line =
      'GET /d/abc/def?key=aOq0QX2yrcvUnqvmeF8kuKvM0Uz7u3oj3X8tSxsCGeU&x=1 for someone@example.com ' +
      'user%40example.com Authorization: Bearer eyJhbGciOi.eyJpc3Mi.sig';
    const redacted = redactSecrets(line);
    expect(redacted).not.toContain('aOq0QX2y');
    expect(redacted).not.toContain('someone@example.com');
    expect(redacted).not.toContain('user%40example.com');
    expect(redacted).not.toContain('eyJhbGciOi');
    expect(redacted).toContain('?key=REDACTED&x=1');
  });
});

describe('what an access log line keeps of a request target', () => {
  const KEY = 'aOq0QX2yrcvUnqvmeF8kuKvM0Uz7u3oj3X8tSxsCGeU';

  it('keeps ids, words and file names in the path, and masks any segment that could hold a secret', () => {
    expect(loggablePath('/d/Oo5uHAtSTX2cHl8KKzwsXg/nxssPU5fSmuMfQ4fKjwsXQ?key=x')).toBe(
      '/d/Oo5uHAtSTX2cHl8KKzwsXg/nxssPU5fSmuMfQ4fKjwsXQ',
    );
    expect(loggablePath('/services/00000000-1111-2222-3333-444444444444/documents/a.pdf')).toBe(
      '/services/00000000-1111-2222-3333-444444444444/documents/a.pdf',
    );
    expect(loggablePath(`/d/s/d/${KEY}`)).toBe('/d/s/d/*');
    expect(loggablePath(`/d/s/d%3Fkey%3D${KEY}`)).toBe('/d/s/*');
    expect(loggablePath(`/d/s/d&key=${KEY}`)).toBe('/d/s/*');
    expect(loggablePath('/someone@example.com')).toBe('/*');
    expect(loggablePath(`/x#${KEY}`)).toBe('/x');
    expect(loggablePath(`/${'a/'.repeat(400)}`).length).toBeLessThanOrEqual(301);
  });

  it('keeps the names the apps read however they are encoded, and calls every other name "other"', () => {
    expect(loggableQueryNames('/d/s/d')).toEqual([]);
    expect(loggableQueryNames('/d/s/d?')).toEqual([]);
    expect(loggableQueryNames(`/d?key=${KEY}`)).toEqual(['key']);
    expect(loggableQueryNames(`/d?k%65y=${KEY}&%6B%65%79=1`)).toEqual(['key', 'key']);
    expect(loggableQueryNames(`/d?${KEY}&key%3D${KEY}&x=1;key=${KEY}`)).toEqual(['other', 'other', 'other']);
    expect(loggableQueryNames('/d?someone@example.com&%E0%A4%A=1')).toEqual(['other', 'other']);
    expect(loggableQueryNames(`/d?x=1#key=${KEY}`)).toEqual(['other']);
  });
});
