import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIMETYPE_BY_EXTENSION } from '../../src/api/allowed-file-types.js';
import { AUTH_TOKEN, SERVICE_ID, local, startApi, upload, type RunningApi } from '../helpers/api-harness.js';
import { docx, pdf, png, rtf, txt, xlsx } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

let api: RunningApi;

beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

async function fileCheck(content: Buffer, extra: Record<string, unknown>) {
  const response = await fetch(`${api.url}${documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ document: content.toString('base64'), ...extra }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe("a filename's extension decides the stored type, as in Notify's API", () => {
  it('stores a PDF uploaded as "letter.docx" as docx, links and serves it as docx', async () => {
    const answer = await upload(api, pdf(), { filename: 'letter.docx' });
    expect(answer.status).toBe(201);
    expect(answer.body.document.mimetype).toBe(MIMETYPE_BY_EXTENSION.docx);
    expect(answer.body.document.direct_file_url).toMatch(/\.docx\?key=/);
    const download = await fetch(local(api, answer.body.document.direct_file_url));
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe(MIMETYPE_BY_EXTENSION.docx);
    expect(download.headers.get('content-disposition')).toBe('inline; filename=letter.docx');
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf())).toBe(true);
    expect(await fileCheck(pdf(), { filename: 'letter.docx' })).toEqual({
      status: 200,
      body: { mimetype: MIMETYPE_BY_EXTENSION.docx },
    });
  });

  it.each([
    ['png', pdf(), 'a.png'],
    ['xlsx', docx(), 'a.xlsx'],
    ['docx', xlsx(), 'a.docx'],
    ['pdf', txt(), 'a.pdf'],
    ['rtf', txt(), 'a.rtf'],
    ['doc', rtf(), 'a.doc'],
    ['csv', png(), 'a.csv'],
  ])('any allowed content named *.%s is stored as that type', async (extension, content, filename) => {
    const answer = await upload(api, content, { filename, is_csv: false });
    expect(answer.status).toBe(201);
    expect(answer.body.document.mimetype).toBe(MIMETYPE_BY_EXTENSION[extension]);
  });

  it('still refuses content whose own type is not allowed, whatever the name says', async () => {
    const gif = Buffer.from('GIF89a\u0001\u0000\u0001\u0000\u0000\u0000\u0000;', 'latin1');
    for (const [content, filename, detected] of [
      [gif, 'picture.png', 'image/gif'],
      [Buffer.from('PK\u0003\u0004' + '\u0000'.repeat(40), 'latin1'), 'letter.docx', 'application/zip'],
    ] as const) {
      for (const answer of [
        await upload(api, content, { filename }),
        await fileCheck(content, { filename }),
      ]) {
        expect(answer.status, filename).toBe(400);
        expect(answer.body.error).toMatch(
          new RegExp(
            `^Unsupported file type '${detected.replace('/', '\\/')}'\\. Supported types are: '\\.csv'`,
          ),
        );
      }
    }
    const binary = await upload(api, randomBytes(2000), { filename: 'a.pdf' });
    expect(binary.status).toBe(400);
    expect(binary.body.error).toMatch(/^Unsupported file type '[^']+'\. Supported types are: /);
  });
});

describe('filename characters: no controls, invisible formatting or lone surrogates', () => {
  const refused = [
    ['RIGHT-TO-LEFT OVERRIDE (Cf)', 'rtl\u202egpj.pdf'],
    ['LEFT-TO-RIGHT OVERRIDE (Cf)', 'a\u202db.pdf'],
    ['RIGHT-TO-LEFT ISOLATE (Cf)', 'a\u2067b.pdf'],
    ['POP DIRECTIONAL ISOLATE (Cf)', 'a\u2069b.pdf'],
    ['RIGHT-TO-LEFT MARK (Cf)', 'a\u200fb.pdf'],
    ['ARABIC LETTER MARK (Cf)', 'a\u061cb.pdf'],
    ['ZERO WIDTH SPACE (Cf)', 'a\u200bb.pdf'],
    ['BYTE ORDER MARK (Cf)', '\ufeffa.pdf'],
    ['SOFT HYPHEN (Cf)', 'a\u00adb.pdf'],
    ['LINE SEPARATOR (Zl)', 'a\u2028b.pdf'],
    ['PARAGRAPH SEPARATOR (Zp)', 'a\u2029b.pdf'],
    ['NEXT LINE (Cc, C1)', 'a\u0085b.pdf'],
    ['CONTROL SEQUENCE INTRODUCER (Cc, C1)', 'a\u009bb.pdf'],
    ['DELETE (Cc)', 'a\u007fb.pdf'],
    ['NUL (Cc)', 'a\u0000b.pdf'],
    ['TAB (Cc)', 'a\tb.pdf'],
  ] as const;

  it.each(refused)('refuses %s in a filename with a clear 400', async (_, filename) => {
    for (const answer of [await upload(api, pdf(), { filename }), await fileCheck(pdf(), { filename })]) {
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe(
        '`filename` cannot contain control characters or invisible formatting characters (such as bidirectional text controls or line separators)',
      );
    }
  });

  it('refuses a lone UTF-16 surrogate', async () => {
    const answer = await upload(api, pdf(), { filename: 'a\ud800b.pdf' });
    expect(answer).toMatchObject({ status: 400, body: { error: '`filename` must be valid Unicode text' } });
  });

  it('keeps accepting ordinary unicode names, emoji included', async () => {
    for (const filename of ['Résumé – 2024 (final).pdf', '日本語の書類.pdf', 'نموذج.pdf', 'report 😀.pdf']) {
      const answer = await upload(api, pdf(), { filename });
      expect(answer.status, filename).toBe(201);
      const check = await fetch(
        local(api, answer.body.document.direct_file_url).replace(/\.pdf\?/, '/check?'),
      );
      expect(((await check.json()) as { document: { filename: string } }).document.filename).toBe(filename);
    }
  });
});
