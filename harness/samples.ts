// Real, minimal sample files of every allowed type, built here byte by byte (no fetched files).
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { samplePdf } from '../src/dev/sample-pdf.js';

/** A one-page PDF saying `text`: the project's one PDF generator (src/dev/sample-pdf.ts). */
export function pdf(text = 'Hello'): Buffer {
  return samplePdf([text]);
}

/** A PDF padded (inside a comment) to about `bytes` long. */
export function pdfOfSize(bytes: number): Buffer {
  const base = pdf();
  if (bytes <= base.length) return base;
  const pad = Buffer.alloc(bytes - base.length - 2, 0x41);
  return Buffer.concat([base, Buffer.from('%'), pad, Buffer.from('\n')]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed) >>> 0);
  return Buffer.concat([length, typed, crc]);
}

export function png(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // truecolour
  const pixels = deflateSync(Buffer.from([0, 0x1d, 0x70, 0xb8])); // filter byte + one RGB pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export function jpeg(): Buffer {
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, Buffer.from([0xff, 0xd9])]);
}

/** A zip file of these entries, in order: stored as they are, or compressed with deflate. */
export function zip(
  entries: Array<[string, string | Buffer]>,
  { deflate = false }: { deflate?: boolean } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, value] of entries) {
    const data = typeof value === 'string' ? Buffer.from(value) : value;
    const packed = deflate ? deflateRawSync(data) : data;
    const method = deflate ? 8 : 0;
    const nameBytes = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%TARGET%"/></Relationships>';

function contentTypes(part: string, type: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    `<Override PartName="/${part}" ContentType="${type}"/></Types>`
  );
}

export function docx(): Buffer {
  return zip([
    [
      '[Content_Types].xml',
      contentTypes(
        'word/document.xml',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
      ),
    ],
    ['_rels/.rels', RELS.replace('%TARGET%', 'word/document.xml')],
    [
      'word/document.xml',
      '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>',
    ],
  ]);
}

export function xlsx(): Buffer {
  return zip([
    [
      '[Content_Types].xml',
      contentTypes(
        'xl/workbook.xml',
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
      ),
    ],
    ['_rels/.rels', RELS.replace('%TARGET%', 'xl/workbook.xml')],
    [
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>',
    ],
  ]);
}

export function odt(): Buffer {
  return zip([
    ['mimetype', 'application/vnd.oasis.opendocument.text'],
    [
      'META-INF/manifest.xml',
      '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/></manifest:manifest>',
    ],
    [
      'content.xml',
      '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
    ],
  ]);
}

/** A legacy Word file's compound-file (OLE) container: header sector and a directory with a WordDocument stream. */
export function doc(): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x003e, 24); // minor version
  header.writeUInt16LE(0x0003, 26); // major version 3
  header.writeUInt16LE(0xfffe, 28); // little-endian
  header.writeUInt16LE(9, 30); // 512-byte sectors
  header.writeUInt16LE(6, 32); // 64-byte mini sectors
  header.writeUInt32LE(1, 44); // one FAT sector
  header.writeUInt32LE(1, 48); // directory starts at sector 1
  header.writeUInt32LE(0x1000, 56); // mini stream cutoff
  header.writeUInt32LE(0xfffffffe, 60);
  header.writeUInt32LE(0xfffffffe, 68);
  header.writeInt32LE(0, 76); // FAT in sector 0
  for (let i = 80; i < 512; i += 4) header.writeUInt32LE(0xffffffff, i);
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0: FAT
  fat.writeUInt32LE(0xfffffffe, 4); // sector 1: directory, end of chain
  const directory = Buffer.alloc(512);
  const entry = (index: number, name: string, type: number): void => {
    const at = index * 128;
    const nameBytes = Buffer.from(`${name}\0`, 'utf16le');
    nameBytes.copy(directory, at);
    directory.writeUInt16LE(nameBytes.length, at + 64);
    directory.writeUInt8(type, at + 66);
    directory.writeUInt32LE(0xffffffff, at + 68);
    directory.writeUInt32LE(0xffffffff, at + 72);
    directory.writeUInt32LE(index === 0 ? 1 : 0xffffffff, at + 76);
    directory.writeUInt32LE(0xfffffffe, at + 116);
  };
  entry(0, 'Root Entry', 5);
  entry(1, 'WordDocument', 2);
  return Buffer.concat([header, fat, directory]);
}

export function rtf(): Buffer {
  return Buffer.from('{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}}\\f0 Hello {\\b world}.\\par}\n');
}

export function csv(): Buffer {
  return Buffer.from('name,amount,date\nAda,12.50,2024-01-02\n"Smith, J",3,2024-02-03\n');
}

export function json(): Buffer {
  return Buffer.from('{"reference": "ABC-123", "items": [1, 2, 3]}\n');
}

export function txt(): Buffer {
  return Buffer.from('Dear Ada,\n\nYour certificate is attached. Café – ünïcödé text.\n');
}

export const SAMPLES: Record<string, { build: () => Buffer; mimetype: string }> = {
  pdf: { build: () => pdf(), mimetype: 'application/pdf' },
  png: { build: png, mimetype: 'image/png' },
  jpeg: { build: jpeg, mimetype: 'image/jpeg' },
  docx: { build: docx, mimetype: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  xlsx: { build: xlsx, mimetype: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  odt: { build: odt, mimetype: 'application/vnd.oasis.opendocument.text' },
  doc: { build: doc, mimetype: 'application/msword' },
  rtf: { build: rtf, mimetype: 'application/rtf' },
  csv: { build: csv, mimetype: 'text/csv' },
  json: { build: json, mimetype: 'application/json' },
  txt: { build: txt, mimetype: 'text/plain' },
};
