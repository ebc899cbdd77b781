/**
 * HTTP/1.x request `Host` header, from the first bytes of a client stream (reassembled by the
 * caller). Bounded: only the header block within the bytes given is searched; the value is inert
 * text without the port.
 */
import { inertBytes } from './text.js';

export type HostResult = { kind: 'host'; name: string } | { kind: 'no-host' } | { kind: 'need-more' } | { kind: 'not-http' };

const METHODS = ['GET ', 'POST ', 'HEAD ', 'PUT ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '];

/** True when the stream starts with an HTTP/1.x request method (or a prefix of one, when short). */
export function looksLikeHttpRequest(b: Uint8Array, off: number, len: number): boolean {
  const end = Math.min(b.length, off + len);
  if (end <= off) return false;
  for (const m of METHODS) {
    let ok = true;
    for (let i = 0; i < m.length && off + i < end; i++) {
      if (b[off + i] !== m.charCodeAt(i)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** Find `Host:` in the request head of `b[off, off+len)`. */
export function parseHttpHost(b: Uint8Array, off: number, len: number): HostResult {
  const end = Math.min(b.length, off + len);
  if (!looksLikeHttpRequest(b, off, len)) return { kind: 'not-http' };
  // Walk header lines; stop at the blank line that ends the head.
  let p = off;
  while (p < end && b[p] !== 0x0a) p++; // request line
  if (p >= end) return { kind: 'need-more' };
  p++;
  for (;;) {
    let e = p;
    while (e < end && b[e] !== 0x0a) e++;
    if (e >= end) return { kind: 'need-more' };
    let lineEnd = e;
    if (lineEnd > p && b[lineEnd - 1] === 0x0d) lineEnd--;
    if (lineEnd === p) return { kind: 'no-host' }; // blank line: end of the head
    if (
      lineEnd - p >= 5 &&
      lower(b[p]!) === 0x68 && lower(b[p + 1]!) === 0x6f && lower(b[p + 2]!) === 0x73 && lower(b[p + 3]!) === 0x74 &&
      b[p + 4] === 0x3a
    ) {
      let s = p + 5;
      while (s < lineEnd && (b[s] === 0x20 || b[s] === 0x09)) s++;
      let t = lineEnd;
      while (t > s && (b[t - 1] === 0x20 || b[t - 1] === 0x09)) t--;
      // Strip a :port (but not inside an IPv6 literal's brackets).
      let colon = -1;
      for (let i = t - 1; i >= s; i--) {
        const c = b[i]!;
        if (c === 0x3a) {
          colon = i;
          break;
        }
        if (c < 0x30 || c > 0x39) break;
      }
      if (colon > s && b[colon - 1] !== 0x3a) t = colon;
      if (t === s) return { kind: 'no-host' };
      return { kind: 'host', name: inertBytes(b, s, t - s) };
    }
    p = e + 1;
  }
}
