/**
 * [MS-XCA] section 2.4 "Plain LZ77" decompression (LZXPRESS without Huffman), written from the
 * public specification. Windows compresses ETW buffers with it (the trace's buffers after the
 * first: each starts compressed right after its 72-byte WMI_BUFFER_HEADER).
 *
 * Stream: a 32-bit little-endian flag word, read MSB first, says for each of the next 32 items
 * whether it is a literal byte (0) or a match (1). A match is a 16-bit word: offset-1 in the top
 * 13 bits, length-3 in the low 3; length 7 continues in a shared nibble (two matches share one
 * byte: low nibble first, high nibble for the next), then in a byte (15 → more), then a 16-bit,
 * then a 32-bit length. No npm package implements this format (checked the registry list for
 * lzx/xpress/ms-xca); it is 60 lines and tested against the real trace and crafted streams.
 */

export class Lz77Error extends Error {
  constructor(
    message: string,
    readonly inputOffset: number,
  ) {
    super(message);
  }
}

/**
 * Decompress `src[start, end)` into `dst` from `dstStart`, producing exactly `want` bytes.
 * Returns the number of bytes produced (= want). Throws Lz77Error on a corrupt stream: a match
 * reaching before the output start, or the input ending first.
 */
export function decompressPlainLz77(src: Uint8Array, start: number, end: number, dst: Uint8Array, dstStart: number, want: number): number {
  let ip = start;
  let op = dstStart;
  const stop = dstStart + want;
  if (stop > dst.length) throw new Lz77Error(`output of ${want} bytes does not fit`, start);
  let flags = 0;
  let flagCount = 0;
  let halfByte = -1;
  while (op < stop) {
    if (flagCount === 0) {
      if (ip + 4 > end) throw new Lz77Error(`compressed data ends after ${op - dstStart} of ${want} bytes`, ip);
      flags = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
      flagCount = 32;
    }
    flagCount--;
    if (((flags >>> flagCount) & 1) === 0) {
      if (ip >= end) throw new Lz77Error(`compressed data ends after ${op - dstStart} of ${want} bytes`, ip);
      dst[op++] = src[ip++]!;
      continue;
    }
    if (ip + 2 > end) throw new Lz77Error(`compressed data ends inside a match after ${op - dstStart} of ${want} bytes`, ip);
    const word = src[ip]! | (src[ip + 1]! << 8);
    const at = ip;
    ip += 2;
    let length = word & 7;
    const distance = (word >>> 3) + 1;
    if (length === 7) {
      // The length goes on in a nibble shared by two matches (low nibble first), then further.
      if (halfByte < 0) {
        if (ip >= end) throw new Lz77Error('compressed data ends inside a match length', ip);
        length = src[ip]! & 15;
        halfByte = ip++;
      } else {
        length = src[halfByte]! >>> 4;
        halfByte = -1;
      }
      if (length === 15) {
        const r = longLength(src, ip, end, at);
        length = r.length;
        ip = r.next;
      }
      length += 7;
    }
    length += 3;
    if (op - distance < dstStart) throw new Lz77Error(`match at output ${op - dstStart} reaches ${distance} bytes back, before the start`, at);
    if (op + length > stop) throw new Lz77Error(`match of ${length} bytes at output ${op - dstStart} passes the decompressed size ${want}`, at);
    // Byte by byte: a match may overlap the bytes it produces (distance < length).
    for (let i = 0; i < length; i++, op++) dst[op] = dst[op - distance]!;
  }
  return op - dstStart;
}

/** Match lengths past 15 + 7: a byte, then (byte 255) a 16-bit, then (16-bit 0) a 32-bit length. */
function longLength(src: Uint8Array, ip: number, end: number, at: number): { length: number; next: number } {
  if (ip >= end) throw new Lz77Error('compressed data ends inside a match length', ip);
  let length = src[ip++]!;
  if (length === 255) {
    if (ip + 2 > end) throw new Lz77Error('compressed data ends inside a match length', ip);
    length = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (length === 0) {
      if (ip + 4 > end) throw new Lz77Error('compressed data ends inside a match length', ip);
      length = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (length < 15 + 7) throw new Lz77Error(`match length ${length} below 22`, at);
    length -= 15 + 7;
  }
  return { length: length + 15, next: ip };
}
