import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectMimetype, FileTypeError, resolveMimetype } from '../../src/api/checks/mimetype.js';
import { SAMPLES } from '../../harness/samples.js';

describe('mimetype detection', () => {
  it.each(Object.entries(SAMPLES))('recognises the %s sample from its content', async (_name, sample) => {
    expect(await detectMimetype(sample.build())).toBe(sample.mimetype);
  });

  it('reads text in other encodings, and not binary', async () => {
    expect(await detectMimetype(Buffer.from('caf\xe9 cr\xe8me\n', 'latin1'))).toBe('text/plain');
    expect(
      await detectMimetype(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello\n', 'utf16le')])),
    ).toBe('text/plain');
    expect(await detectMimetype(Buffer.from('\uFEFFa;b;c\n1;2;3\n'))).toBe('text/csv');
    expect(await detectMimetype(Buffer.from('a\tb\n1\t2\n'))).toBe('text/csv');
    expect(await detectMimetype(Buffer.from('one line, with a comma\n'))).toBe('text/plain');
    expect(await detectMimetype(Buffer.from('a,b\n1,2,3\n'))).toBe('text/plain');
    expect(await detectMimetype(Buffer.from('[1, 2]'))).toBe('application/json');
    expect(await detectMimetype(Buffer.from('{"broken": '))).toBe('text/plain');
    expect(await detectMimetype(Buffer.from([0, 1, 2, 3, 4, 5]))).toBe('application/octet-stream');
    expect(await detectMimetype(randomBytes(4096))).not.toMatch(/^text\//);
    // An OLE container without a Word stream (an Excel 97 file, say) is not a Word document.
    const ole = SAMPLES.doc!.build();
    ole.fill(0, 1024);
    expect(await detectMimetype(ole)).toBe('application/x-ole-storage');
  });
});

describe('stored type', () => {
  it('turns text into CSV when asked, and only text', () => {
    expect(resolveMimetype('text/plain', true, undefined)).toBe('text/csv');
    expect(resolveMimetype('application/pdf', true, undefined)).toBe('application/pdf');
  });

  it('lets the extension decide whenever the content is an allowed type', () => {
    expect(resolveMimetype('text/csv', false, 'a.txt')).toBe('text/plain');
    expect(resolveMimetype('text/plain', false, 'a.json')).toBe('application/json');
    expect(resolveMimetype('image/jpeg', false, 'A.JPG')).toBe('image/jpeg');
    expect(resolveMimetype('image/png', false, 'a.jpeg')).toBe('image/jpeg');
    expect(resolveMimetype('application/pdf', false, 'letter.docx')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(resolveMimetype('text/plain', true, 'a.rtf')).toBe('application/rtf');
    expect(() => resolveMimetype('application/pdf', false, 'a.exe')).toThrow(FileTypeError);
    expect(() => resolveMimetype('application/zip', false, 'a.docx')).toThrow(
      /Unsupported file type 'application\/zip'/,
    );
  });
});
