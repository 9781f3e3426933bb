import { verify } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { cookieValues } from '../../src/api/requests/cookie-header.js';
import { contentDisposition, parseRange } from '../../src/api/download-headers.js';
import { ARGON2_OPTIONS } from '../../src/api/email-hashing.js';
import { isMissing } from '../../src/api/store/storage-errors.js';
import { hash } from '@node-rs/argon2';

const NOTIFY_VECTOR = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';

describe('argon2id', () => {
  it("verifies the hash Notify's API made (argon2-cffi 21.1) for test@example.com", async () => {
    expect(await verify(NOTIFY_VECTOR, 'test@example.com')).toBe(true);
    expect(await verify(NOTIFY_VECTOR, 'test@example.org')).toBe(false);
  });

  it("makes hashes with Notify's parameters", async () => {
    const made = await hash('someone@example.com', ARGON2_OPTIONS);
    expect(made).toMatch(/^\$argon2id\$v=19\$m=15360,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{22}$/);
    expect(await verify(made, 'someone@example.com')).toBe(true);
  });
});

describe('Content-Disposition', () => {
  it('is attachment for csv, rtf and txt, inline otherwise (a token filename unquoted, as Notify sends it)', () => {
    expect(contentDisposition('csv', 'a.csv')).toBe('attachment; filename=a.csv');
    expect(contentDisposition('rtf', 'a.rtf')).toBe('attachment; filename=a.rtf');
    expect(contentDisposition('txt', 'a.txt')).toBe('attachment; filename=a.txt');
    expect(contentDisposition('pdf', 'a.pdf')).toBe('inline; filename=a.pdf');
  });

  it('encodes unicode and awkward characters per RFC 5987', () => {
    expect(contentDisposition('pdf', 'Résumé – 2024.pdf')).toBe(
      `inline; filename="Resume  2024.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%80%93%202024.pdf`,
    );
    expect(contentDisposition('pdf', 'say "hi"\\.pdf')).toBe(
      `inline; filename="say _hi__.pdf"; filename*=UTF-8''say%20%22hi%22%5C.pdf`,
    );
    expect(contentDisposition('pdf', '文件.pdf')).toBe(
      `inline; filename=.pdf; filename*=UTF-8''%E6%96%87%E4%BB%B6.pdf`,
    );
    // Notify's (Werkzeug's) fallback: NFKD, then every non-ASCII character dropped, compatibility forms included.
    expect(contentDisposition('pdf', 'ﬁnal ½ Ünïcödé.pdf')).toBe(
      `inline; filename="final 12 Unicode.pdf"; filename*=UTF-8''%EF%AC%81nal%20%C2%BD%20%C3%9Cn%C3%AFc%C3%B6d%C3%A9.pdf`,
    );
    expect(contentDisposition('pdf', 'a\r\nSet-Cookie: x.pdf')).not.toMatch(/[\r\n]/);
  });
});

describe('Range', () => {
  it('reads one byte range', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'range', range: { start: 0, end: 9 } });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'range', range: { start: 90, end: 99 } });
    expect(parseRange('bytes=-1000', 100)).toEqual({ kind: 'range', range: { start: 0, end: 99 } });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ kind: 'range', range: { start: 50, end: 99 } });
  });

  it('ignores what it does not support and refuses ranges past the end', () => {
    const ignored = ['bytes=0-1,5-6', 'bytes=0-1,500-600', 'items=0-1', 'items=100-', 'bytes=', 'bytes=-'];
    for (const header of [...ignored, 'bytes=9-1', 'junk']) {
      expect(parseRange(header, 100)).toEqual({ kind: 'none' });
    }
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange(`bytes=${'9'.repeat(30)}-`, 100)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('cookies', () => {
  it('finds every value of the access cookie', () => {
    expect(
      cookieValues(
        'a=1; document_access_signed_data=x.y; document_access_signed_data="z"',
        'document_access_signed_data',
      ),
    ).toEqual(['x.y', 'z']);
    expect(cookieValues(undefined, 'a')).toEqual([]);
    expect(cookieValues('a=%E0%A4%A', 'a')).toEqual(['%E0%A4%A']);
  });
});

describe('isMissing', () => {
  it('knows "not there" from both stores, and nothing else', () => {
    const fsError = (code: string) => Object.assign(new Error(code), { code });
    expect(isMissing(fsError('ENOENT'))).toBe(true);
    expect(isMissing(fsError('ENOTDIR'))).toBe(true);
    expect(isMissing({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })).toBe(true);
    expect(isMissing({ name: 'NotFound', $metadata: {} })).toBe(true);
    expect(isMissing({ ResourceType: 'DeleteMarker' })).toBe(true);
    expect(isMissing({ name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } })).toBe(true);
    expect(isMissing(fsError('EACCES'))).toBe(false);
    expect(isMissing({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
    expect(isMissing(undefined)).toBe(false);
  });
});
