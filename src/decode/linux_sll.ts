/**
 * Linux "cooked" captures. SLL (LINKTYPE 113): 16-byte header, protocol (ethertype) at byte 14.
 * SLL2 (LINKTYPE 276): 20-byte header, protocol at byte 0. Protocol values ≤ 1500 are Linux
 * pseudo-types (1 = Novell 802.3, 4 = 802.2 LLC, …): `l3 = Other`, `etherType = 0`.
 */
import { DecodeProblem, type DecodedPacket } from './decoded.js';
import { decodeEtherType } from './ethernet.js';

export function decodeLinuxSll(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (end - o < 16) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  decodeEtherType(data, o + 16, end, (data[o + 14]! << 8) | data[o + 15]!, out);
}

export function decodeLinuxSll2(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (end - o < 20) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  decodeEtherType(data, o + 20, end, (data[o]! << 8) | data[o + 1]!, out);
}
