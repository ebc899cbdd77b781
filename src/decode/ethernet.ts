/**
 * Ethernet II (with any stack of 802.1Q / 802.1ad / 0x9100 tags, at most 8), the ethertype
 * dispatch shared with Linux SLL/SLL2, and ARP.
 */
import { DecodeProblem, L3, type DecodedPacket } from './decoded.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';

/** VLAN tags stripped before refusing the frame (TooManyHeaders). */
export const MAX_VLAN_TAGS = 8;

export function decodeEthernet(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (end - o < 14) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  decodeEtherType(data, o + 14, end, (data[o + 12]! << 8) | data[o + 13]!, out);
}

/**
 * Dispatch on an ethertype whose payload starts at `p`. Strips VLAN tags (recording the outer
 * VLAN id and the depth). A type ≤ 1500 is an 802.3 length (LLC): `l3 = Other`, `etherType = 0`.
 */
export function decodeEtherType(data: Uint8Array, p: number, end: number, type: number, out: DecodedPacket): void {
  let depth = 0;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (depth === MAX_VLAN_TAGS) {
      out.problem = DecodeProblem.TooManyHeaders;
      return;
    }
    if (end - p < 4) {
      out.problem = DecodeProblem.LinkTruncated;
      return;
    }
    if (depth === 0) out.vlanId = ((data[p]! & 0x0f) << 8) | data[p + 1]!;
    out.vlanDepth = ++depth;
    type = (data[p + 2]! << 8) | data[p + 3]!;
    p += 4;
  }
  switch (type) {
    case 0x0800:
      out.etherType = type;
      decodeIPv4(data, p, end, out);
      return;
    case 0x86dd:
      out.etherType = type;
      decodeIPv6(data, p, end, out);
      return;
    case 0x0806:
      out.etherType = type;
      decodeArp(data, p, end, out);
      return;
    default:
      out.etherType = type <= 1500 ? 0 : type;
      out.l3 = L3.Other;
  }
}

/** ARP: the 8-byte fixed header and both hardware/protocol address pairs must be captured. */
export function decodeArp(data: Uint8Array, p: number, end: number, out: DecodedPacket): void {
  if (end - p < 8 || end - p < 8 + 2 * (data[p + 4]! + data[p + 5]!)) {
    out.problem = DecodeProblem.ArpTruncated;
    return;
  }
  out.l3 = L3.ARP;
}
