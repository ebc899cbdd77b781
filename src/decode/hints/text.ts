/**
 * Names taken from packets are attacker-controlled. They become text here, once, in a form that
 * is inert everywhere it is printed: printable ASCII stays (lower-cased for host names), every
 * other byte (controls, space, DEL, anything ≥ 0x80, so also invalid UTF-8) and the backslash
 * become `\xNN`. At most MAX_NAME_BYTES input bytes are used; a longer name ends in "…".
 */

/** DNS limits a name to 255 bytes on the wire; SNI and Host are held to the same bound. */
export const MAX_NAME_BYTES = 255;

const HEX = '0123456789abcdef';

/** Inert, bounded text of `len` bytes at `off` (never reads outside `b`). */
export function inertBytes(b: Uint8Array, off: number, len: number, lower = true, escapeDot = false): string {
  const end = Math.min(b.length, off + Math.min(len, MAX_NAME_BYTES));
  let s = '';
  for (let i = Math.max(0, off); i < end; i++) {
    let c = b[i]!;
    if (c > 0x20 && c < 0x7f && c !== 0x5c && !(escapeDot && c === 0x2e)) {
      if (lower && c >= 0x41 && c <= 0x5a) c += 0x20;
      s += String.fromCharCode(c);
    } else s += `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  if (len > MAX_NAME_BYTES) s += '…';
  return s;
}

/** Big-endian reads that return -1 past the end instead of throwing or reading `undefined`. */
export function u8(b: Uint8Array, o: number, end: number): number {
  return o >= 0 && o < end ? b[o]! : -1;
}
export function u16be(b: Uint8Array, o: number, end: number): number {
  return o >= 0 && o + 2 <= end ? (b[o]! << 8) | b[o + 1]! : -1;
}
export function u24be(b: Uint8Array, o: number, end: number): number {
  return o >= 0 && o + 3 <= end ? (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]! : -1;
}
export function u32be(b: Uint8Array, o: number, end: number): number {
  return o >= 0 && o + 4 <= end ? ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0 : -1;
}
