/**
 * [MS-XCA] Plain LZ77: hand-made streams following section 2.4 of the specification (flag word
 * MSB first; match word = (distance-1) << 3 | min(length-3, 7); the shared length nibble, then
 * byte, then 16-bit length), and corrupt streams that must fail with the input offset.
 */
import { describe, expect, it } from 'vitest';
import { Lz77Error, decompressPlainLz77 } from '../../src/capture/etl/lz77.js';

const dec = (stream: number[], want: number): string => {
  const out = new Uint8Array(want);
  const src = Uint8Array.from(stream);
  expect(decompressPlainLz77(src, 0, src.length, out, 0, want)).toBe(want);
  return Buffer.from(out).toString('latin1');
};
const ch = (s: string): number[] => [...Buffer.from(s, 'latin1')];

describe('decompressPlainLz77', () => {
  it.each([
    // flags 0: three literals
    ['literals only', [0, 0, 0, 0, ...ch('abc')], 'abc'],
    // 4th item a match (bit 28): distance 3, length 6 → word (2 << 3) | 3 = 0x13
    ['one match', [0, 0, 0, 0x10, ...ch('abc'), 0x13, 0x00], 'abcabcabc'],
    // overlapping match: distance 1, length 19 → word 7, nibble 19-3-7 = 9
    ['overlapping match with a length nibble', [0, 0, 0, 0x40, ...ch('a'), 0x07, 0x00, 0x09], 'a'.repeat(20)],
    // two matches share one nibble byte: low nibble 0 (length 10), high nibble 15 → byte 0 (length 25)
    ['two matches sharing a nibble byte', [0, 0, 0, 0x60, ...ch('a'), 0x07, 0x00, 0xf0, 0x07, 0x00, 0x00], 'a'.repeat(36)],
    // length 299: nibble 15, byte 255, then 16-bit 296 (= length - 3)
    ['16-bit length', [0, 0, 0, 0x40, ...ch('b'), 0x07, 0x00, 0x0f, 0xff, 0x28, 0x01], 'b'.repeat(300)],
  ])('%s', (_name, stream, text) => {
    expect(dec(stream, text.length)).toBe(text);
  });

  it('a flag word every 32 items', () => {
    const body = 'x'.repeat(32) + 'y';
    expect(dec([0, 0, 0, 0, ...ch('x'.repeat(32)), 0, 0, 0, 0, ...ch('y')], 33)).toBe(body);
  });

  it.each([
    ['a match before the output start', [0, 0, 0, 0x80, 0x08, 0x00], 4, /before the start/],
    ['input ending before the size', [0, 0, 0, 0, ...ch('ab')], 5, /ends after 2 of 5/],
    ['a match past the decompressed size', [0, 0, 0, 0x40, ...ch('a'), 0x07, 0x00, 0x09], 5, /passes the decompressed size/],
    ['a 16-bit length below 22', [0, 0, 0, 0x40, ...ch('b'), 0x07, 0x00, 0x0f, 0xff, 0x05, 0x00], 300, /below 22/],
  ])('rejects %s', (_name, stream, want, msg) => {
    const src = Uint8Array.from(stream);
    expect(() => decompressPlainLz77(src, 0, src.length, new Uint8Array(want), 0, want)).toThrow(msg);
    try {
      decompressPlainLz77(src, 0, src.length, new Uint8Array(want), 0, want);
    } catch (e) {
      expect(e).toBeInstanceOf(Lz77Error);
      expect((e as Lz77Error).inputOffset).toBeGreaterThanOrEqual(0);
    }
  });
});
