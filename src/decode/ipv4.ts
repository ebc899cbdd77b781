/**
 * IPv4 header. Addresses are stored IPv4-mapped ([0, 0, 0xffff, addr]). The total-length field
 * bounds the payload (Ethernet padding is ignored); when it exceeds the capture, `truncated` is
 * set and the captured bytes are used. Total length 0 (TCP segmentation offload captures) means
 * "use what was captured". Only the first fragment (offset 0) reads ports.
 */
import { DecodeProblem, L3, type DecodedPacket } from './decoded.js';
import { decodeTransport } from './transport.js';

export function decodeIPv4(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (o >= end) {
    out.problem = DecodeProblem.IPv4Truncated;
    return;
  }
  const vihl = data[o]!;
  if (vihl >>> 4 !== 4) {
    out.problem = vihl >>> 4 === 6 ? DecodeProblem.IPVersionMismatch : DecodeProblem.IPv4BadHeader;
    return;
  }
  if (end - o < 20) {
    out.problem = DecodeProblem.IPv4Truncated;
    return;
  }
  const ihl = (vihl & 0x0f) << 2;
  const totalLen = (data[o + 2]! << 8) | data[o + 3]!;
  if (ihl < 20 || (totalLen !== 0 && totalLen < ihl)) {
    out.problem = DecodeProblem.IPv4BadHeader;
    return;
  }
  out.l3 = L3.IPv4;
  out.ipOffset = o;
  const src = out.src;
  const dst = out.dst;
  src[2] = 0xffff;
  dst[2] = 0xffff;
  src[3] = ((data[o + 12]! << 24) | (data[o + 13]! << 16) | (data[o + 14]! << 8) | data[o + 15]!) >>> 0;
  dst[3] = ((data[o + 16]! << 24) | (data[o + 17]! << 16) | (data[o + 18]! << 8) | data[o + 19]!) >>> 0;
  out.ttl = data[o + 8]!;
  const proto = data[o + 9]!;
  out.ipProto = proto;
  if (o + ihl > end) {
    out.problem = DecodeProblem.IPv4Truncated;
    return;
  }
  const limit = totalLen === 0 ? end : o + totalLen;
  let cap = end;
  if (limit > end) out.truncated = true;
  else cap = limit;

  const fo = (data[o + 6]! << 8) | data[o + 7]!;
  const offset = (fo & 0x1fff) << 3;
  const more = (fo & 0x2000) !== 0;
  out.fragId = (data[o + 4]! << 8) | data[o + 5]!;
  if (more || offset !== 0) {
    out.isFragment = true;
    out.moreFragments = more;
    out.fragOffset = offset;
    if (offset !== 0) {
      // A later fragment: its bytes are the middle of the upper-layer datagram, no ports.
      out.l4Offset = o + ihl;
      out.payloadOffset = o + ihl;
      out.payloadLength = cap - o - ihl;
      return;
    }
  }
  decodeTransport(data, o + ihl, cap, limit, proto, out);
}
