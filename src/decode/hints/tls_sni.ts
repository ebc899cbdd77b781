/**
 * TLS ClientHello server_name (RFC 6066 §3), read from the first bytes of a client stream that
 * may have been cut into several TCP segments (the caller reassembles; see flows/hints.ts).
 * Bounded and hostile-input safe: every length is checked against the bytes actually held.
 */
import { inertBytes, u16be, u24be, u8 } from './text.js';

export type SniResult =
  | { kind: 'sni'; name: string }
  /** A complete ClientHello without a server_name extension. */
  | { kind: 'no-sni' }
  /** Looks like a ClientHello so far; more bytes of the stream are needed. */
  | { kind: 'need-more' }
  | { kind: 'not-tls' };

/** Quick test on a stream's first bytes: a TLS handshake record (0x16 0x03 …). */
export function looksLikeTlsHandshake(b: Uint8Array, off: number, len: number): boolean {
  const end = Math.min(b.length, off + len);
  return u8(b, off, end) === 0x16 && (end - off < 2 || b[off + 1] === 0x03);
}

/**
 * Parse the server_name of a ClientHello at the start of `b[off, off+len)`. The handshake message
 * may span several records; only the first record's fragment is used (a ClientHello spanning
 * records is rare and then usually carries its SNI early).
 */
export function parseClientHelloSni(b: Uint8Array, off: number, len: number): SniResult {
  const end = Math.min(b.length, off + len);
  if (end - off < 5) return looksLikeTlsHandshake(b, off, len) ? { kind: 'need-more' } : { kind: 'not-tls' };
  if (b[off] !== 0x16 || b[off + 1] !== 0x03) return { kind: 'not-tls' };
  const recLen = u16be(b, off + 3, end);
  const recEnd = off + 5 + recLen;
  const have = Math.min(end, recEnd);
  let p = off + 5;
  const needMore = (): SniResult => (end < recEnd ? { kind: 'need-more' } : { kind: 'not-tls' });
  if (p >= have) return needMore();
  if (b[p] !== 0x01) return { kind: 'not-tls' }; // handshake type ClientHello
  const hsLen = u24be(b, p + 1, have);
  if (hsLen < 0) return needMore();
  const hsEnd = Math.min(p + 4 + hsLen, recEnd);
  const lim = Math.min(hsEnd, have);
  p += 4 + 2 + 32; // version, random
  const sid = u8(b, p, lim);
  if (sid < 0) return needMore();
  p += 1 + sid;
  const cs = u16be(b, p, lim);
  if (cs < 0) return needMore();
  p += 2 + cs;
  const comp = u8(b, p, lim);
  if (comp < 0) return needMore();
  p += 1 + comp;
  if (p === hsEnd) return { kind: 'no-sni' }; // no extensions at all
  const extLen = u16be(b, p, lim);
  if (extLen < 0) return needMore();
  p += 2;
  const extEnd = Math.min(p + extLen, hsEnd);
  while (p < extEnd) {
    const type = u16be(b, p, lim);
    const l = u16be(b, p + 2, lim);
    if (type < 0 || l < 0) return needMore();
    const body = p + 4;
    if (type === 0) {
      if (body + l > lim) return needMore();
      // server_name_list: u16 length, then entries (type u8, u16 length, name)
      let q = body + 2;
      const listEnd = Math.min(body + l, body + 2 + Math.max(0, u16be(b, body, lim)));
      while (q + 3 <= listEnd) {
        const nt = b[q]!;
        const nl = u16be(b, q + 1, listEnd);
        if (nl < 0 || q + 3 + nl > listEnd) break;
        if (nt === 0 && nl > 0) return { kind: 'sni', name: inertBytes(b, q + 3, nl) };
        q += 3 + nl;
      }
      return { kind: 'no-sni' };
    }
    p = body + l;
  }
  if (p < extEnd || extEnd > end) return needMore();
  return { kind: 'no-sni' };
}
