// Text whose first bytes happen to be another format's short signature is still text (found by the scale test:
// 2 of 1,336 random letters were refused as images or programs).
import { describe, expect, it } from 'vitest';
import { detectMimetype } from '../../src/api/checks/mimetype.js';

describe('text that starts like a binary signature', () => {
  for (const start of ['BMW dealers', 'MZ-1 form', 'BZh9 reference', 'GIF89a notes', 'FLIF', '8BPS report']) {
    it(`"${start}…" is text/plain`, async () => {
      const letter = Buffer.from(`${start} for your records.\nSecond line of the letter.\n`);
      expect(await detectMimetype(letter)).toBe('text/plain');
    });
  }

  it('still calls a real GIF a GIF (not allowed)', async () => {
    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    expect(await detectMimetype(gif)).toBe('image/gif');
  });

  it('still calls a Windows program a program (not allowed)', async () => {
    const exe = Buffer.alloc(256);
    exe.write('MZ', 0);
    exe.writeUInt32LE(64, 0x3c);
    exe.write('PE\0\0', 64, 'latin1');
    expect(await detectMimetype(exe)).not.toMatch(/^text\//);
  });
});
