import { describe, expect, it } from 'vitest';
import { detectMimetype, StreamedTypeDetector, TYPE_PREFIX_BYTES } from '../../src/api/checks/mimetype.js';
import { SAMPLES, doc } from '../../harness/samples.js';

function streamed(content: Buffer, pieceBytes: number): StreamedTypeDetector {
  const detector = new StreamedTypeDetector();
  for (let at = 0; at < content.length; at += pieceBytes)
    detector.push(content.subarray(at, at + pieceBytes));
  return detector;
}

describe('the type of a streamed file', () => {
  it.each(Object.entries(SAMPLES))(
    'is what the whole file gives for %s, in any pieces',
    async (_name, sample) => {
      const content = sample.build();
      for (const pieceBytes of [1, 7, 4096]) {
        expect(await streamed(content, pieceBytes).detect()).toBe(await detectMimetype(content));
      }
    },
  );

  it('types a file larger than the prefix by the same rules on its prefix', async () => {
    const table = Buffer.from('a,b,c\n'.repeat(TYPE_PREFIX_BYTES));
    const detector = streamed(table, 65_536);
    expect(detector.bytes).toBe(table.length);
    expect(await detector.detect()).toBe(await detectMimetype(table));
    // JSON cannot be proved from part of a document: a large one reads as text (its filename can say .json).
    const json = Buffer.from(JSON.stringify({ rows: Array.from({ length: 200_000 }, (_, i) => ({ i })) }));
    expect(json.length).toBeGreaterThan(TYPE_PREFIX_BYTES);
    expect(await detectMimetype(json)).toBe('application/json');
    expect(await streamed(json, 65_536).detect()).toBe('text/plain');
  });

  it("finds a legacy Word document's stream name past the prefix (its directory can be at the end)", async () => {
    const word = doc();
    const name = Buffer.from('WordDocument', 'utf16le');
    const at = word.indexOf(name);
    expect(at).toBeGreaterThan(0);
    // The same file with its directory pushed past the prefix.
    const padding = Buffer.alloc(TYPE_PREFIX_BYTES * 2);
    const moved = Buffer.concat([word.subarray(0, at), padding, word.subarray(at)]);
    expect(await streamed(moved, 5).detect()).toBe('application/msword');
    const withoutName = Buffer.concat([word.subarray(0, at), padding]);
    expect(await streamed(withoutName, 4096).detect()).toBe('application/x-ole-storage');
  });
});
