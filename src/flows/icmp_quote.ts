/** ICMP errors that quote a TCP/UDP packet: the quote's parser and the key the hint recorder files it under. */
import { formatAddress } from '../ip_text.js';

/** An ICMP destination-unreachable that quoted a TCP/UDP packet. */
export interface IcmpQuote {
  /** The quoted packet's sender and destination. */
  protocol: 'tcp' | 'udp';
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** ICMP (or ICMPv6) type and code, and who sent it. */
  icmpv6: boolean;
  type: number;
  code: number;
  from: string;
  count: number;
  firstTs: number;
}

/** The IP header + first 8 transport bytes an ICMP error quotes (TCP/UDP only), or null. */
export function quotedPacket(b: Uint8Array, o: number, end: number): { protocol: 'tcp' | 'udp'; src: string; srcPort: number; dst: string; dstPort: number } | null {
  if (o >= end) return null;
  const v = b[o]! >> 4;
  const w = new Uint32Array(8);
  let proto: number;
  let t: number;
  if (v === 4) {
    const ihl = (b[o]! & 15) * 4;
    if (ihl < 20 || o + ihl + 4 > end) return null;
    proto = b[o + 9]!;
    w[2] = 0xffff;
    w[3] = ((b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]!) >>> 0;
    w[6] = 0xffff;
    w[7] = ((b[o + 16]! << 24) | (b[o + 17]! << 16) | (b[o + 18]! << 8) | b[o + 19]!) >>> 0;
    if ((((b[o + 6]! & 0x1f) << 8) | b[o + 7]!) !== 0) return null; // a later fragment: no ports
    t = o + ihl;
  } else if (v === 6) {
    if (o + 40 > end) return null;
    proto = b[o + 6]!;
    for (let k = 0; k < 8; k++) {
      const p = o + 8 + 4 * k;
      w[k] = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    }
    t = o + 40;
    for (let i = 0; i < 4 && (proto === 0 || proto === 43 || proto === 60 || proto === 44); i++) {
      if (t + 8 > end) return null;
      const next = b[t]!;
      t += proto === 44 ? 8 : (b[t + 1]! + 1) * 8;
      proto = next;
    }
  } else return null;
  if ((proto !== 6 && proto !== 17) || t + 4 > end) return null;
  return {
    protocol: proto === 6 ? 'tcp' : 'udp',
    src: formatAddress(w, 0),
    srcPort: (b[t]! << 8) | b[t + 1]!,
    dst: formatAddress(w, 4),
    dstPort: (b[t + 2]! << 8) | b[t + 3]!,
  };
}

/** Key of the packet an ICMP quote is about, as HintStore.icmp stores it. */
export function icmpKey(protocol: string, src: string, srcPort: number, dst: string, dstPort: number): string {
  return `${protocol}|${src}|${srcPort}|${dst}|${dstPort}`;
}
