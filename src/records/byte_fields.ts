/**
 * Fields of a log line read straight from its bytes, without a string per field: split a line at
 * a one-byte separator into (start, end) offsets, then read numbers, times and IPv4 addresses from
 * the offsets. Each reader accepts only the plain form of its field (digits, `secs.frac`, a dotted
 * quad) and says "not plain" otherwise (-1 / NaN / false), so the caller falls back to the string
 * parser for that row: the fast path can only ever agree with the exact one.
 */

/**
 * Split buf[start, end) at `sep` into starts/ends (reused, at most their length kept); returns the
 * field count. One comparison per byte: escapes (Zeek writes a separator inside a value as `\x09`,
 * so they never split a field) are left to the field readers, which accept only plain digits, dots
 * and letters; a caller that reads a field as text checks it for a backslash (hasByte).
 */
export function splitFields(buf: Uint8Array, start: number, end: number, sep: number, starts: Int32Array, ends: Int32Array): number {
  const max = starts.length;
  let n = 0;
  let s = start;
  for (let i = start; i < end; i++) {
    if (buf[i] === sep) {
      if (n < max) {
        starts[n] = s;
        ends[n] = i;
      }
      n++;
      s = i + 1;
    }
  }
  if (n < max) {
    starts[n] = s;
    ends[n] = end;
  }
  return n + 1;
}

/** Whether buf[s, e) equals `text` (ASCII). */
export function bytesEqual(buf: Uint8Array, s: number, e: number, text: Uint8Array): boolean {
  if (e - s !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[s + i] !== text[i]) return false;
  return true;
}

/** Whether buf[s, e) holds byte `b`. */
export function hasByte(buf: Uint8Array, s: number, e: number, b: number): boolean {
  for (let i = s; i < e; i++) if (buf[i] === b) return true;
  return false;
}

/** An unsigned decimal integer of 1 to 15 digits; -1 when the field is anything else. */
export function parseUint(buf: Uint8Array, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `int.frac` (or `int`) → { µs from epoch-style integer arithmetic }: the value of
 * `log_time.parseLogTime` for an epoch time with up to 6 fraction digits (exact integer math, so
 * the same double). NaN when the field is not in that form.
 */
export function parseEpochMicros(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let int = 0;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) int = int * 10 + (buf[i++]! - 48);
  const intDigits = i - s;
  if (intDigits < 1 || intDigits > 12) return NaN;
  if (i === e) return int * 1e6;
  if (buf[i] !== 46) return NaN;
  i++;
  let frac = 0;
  const f0 = i;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) frac = frac * 10 + (buf[i++]! - 48);
  const fd = i - f0;
  if (i !== e || fd < 1 || fd > 6) return NaN;
  return int * 1e6 + frac * POW10[6 - fd]!;
}

/**
 * `int.frac` seconds → µs as `log_time.parseSeconds` computes it (Number(text) * 1e6): the
 * mantissa and its power of ten are exact doubles, so their quotient is the correctly rounded
 * value, as Number() gives. NaN when not in that form (then the caller uses parseSeconds).
 */
export function parseSecondsMicros(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let m = 0;
  let digits = 0;
  while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
    m = m * 10 + (buf[i++]! - 48);
    digits++;
  }
  let scale = 0;
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e && buf[i]! >= 48 && buf[i]! <= 57) {
      m = m * 10 + (buf[i++]! - 48);
      digits++;
      scale++;
    }
  }
  if (i !== e || digits === 0 || digits > 15) return NaN;
  return (scale === 0 ? m : m / POW10[scale]!) * 1e6;
}

/** A dotted-quad IPv4 address → its 32-bit value; -1 when not exactly four decimal octets. */
export function parseIPv4Bytes(buf: Uint8Array, s: number, e: number): number {
  let v = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (c === 46) {
      if (digits === 0 || octet > 255 || dots === 3) return -1;
      v = v * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      const d = c - 48;
      if (d < 0 || d > 9 || digits === 3) return -1;
      // "01" is not accepted as an octet by the string parser either: leave it to that parser.
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + d;
      digits++;
    }
  }
  if (dots !== 3 || digits === 0 || octet > 255) return -1;
  return v * 256 + octet;
}

/** ASCII text as bytes (for bytesEqual). */
export function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Latin-1 string of buf[s, e) (for short ASCII fields: histories, states, protocol names). */
export function latin1(buf: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]!);
  return out;
}
