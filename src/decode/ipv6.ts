/**
 * IPv6 header and extension headers. Walks hop-by-hop (0), routing (43), fragment (44),
 * destination options (60), AH (51), mobility (135), HIP (139) and shim6 (140), at most 8 of
 * them (TooManyHeaders beyond), and sets `ipProto` to the first other next-header value (TCP,
 * UDP, ICMPv6, ESP, 59 no-next-header, …). A fragment header with offset > 0 stops the walk:
 * `ipProto` is its next header and no ports are read. Payload length 0 (jumbogram or TSO)
 * means "use what was captured".
 *
 * Once the fixed 40-byte header is read, `l3` and the addresses stay valid even if an extension
 * header then fails (IPv6Truncated / TooManyHeaders); `ipProto` is then the header that failed.
 */
import { DecodeProblem, L3, type DecodedPacket } from './decoded.js';
import { decodeTransport } from './transport.js';

/** Extension headers walked before the upper-layer protocol. */
const MAX_EXT_HEADERS = 8;

export function decodeIPv6(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (o >= end) {
    out.problem = DecodeProblem.IPv6Truncated;
    return;
  }
  const v = data[o]! >>> 4;
  if (v !== 6) {
    out.problem = v === 4 ? DecodeProblem.IPVersionMismatch : DecodeProblem.IPv6BadHeader;
    return;
  }
  if (end - o < 40) {
    out.problem = DecodeProblem.IPv6Truncated;
    return;
  }
  out.l3 = L3.IPv6;
  out.ipOffset = o;
  readWords(data, o + 8, out.src);
  readWords(data, o + 24, out.dst);
  out.ttl = data[o + 7]!;
  const plen = (data[o + 4]! << 8) | data[o + 5]!;
  const limit = plen === 0 ? end : o + 40 + plen;
  let cap = end;
  if (limit > end) out.truncated = true;
  else cap = limit;

  let nh = data[o + 6]!;
  let p = o + 40;
  for (let n = 0; ; n++) {
    let len: number;
    switch (nh) {
      case 0:
      case 43:
      case 60:
      case 135:
      case 139:
      case 140:
        if (p + 8 > cap) return extTruncated(out, nh);
        len = (data[p + 1]! + 1) << 3;
        break;
      case 51:
        if (p + 8 > cap) return extTruncated(out, nh);
        len = (data[p + 1]! + 2) << 2;
        break;
      case 44: {
        if (p + 8 > cap) return extTruncated(out, nh);
        const fo = (data[p + 2]! << 8) | data[p + 3]!;
        const offset = fo & 0xfff8;
        const more = (fo & 1) !== 0;
        out.fragId = ((data[p + 4]! << 24) | (data[p + 5]! << 16) | (data[p + 6]! << 8) | data[p + 7]!) >>> 0;
        if (more || offset !== 0) {
          out.isFragment = true;
          out.moreFragments = more;
          out.fragOffset = offset;
        }
        if (offset !== 0) {
          out.ipProto = data[p]!;
          out.l4Offset = p + 8;
          out.payloadOffset = p + 8;
          out.payloadLength = cap - p - 8;
          return;
        }
        len = 8;
        break;
      }
      default:
        out.ipProto = nh;
        decodeTransport(data, p, cap, limit, nh, out);
        return;
    }
    if (n === MAX_EXT_HEADERS) {
      out.ipProto = nh;
      out.problem = DecodeProblem.TooManyHeaders;
      return;
    }
    if (p + len > cap) return extTruncated(out, nh);
    nh = data[p]!;
    p += len;
  }
}

function extTruncated(out: DecodedPacket, nh: number): void {
  out.ipProto = nh;
  out.problem = DecodeProblem.IPv6Truncated;
}

function readWords(data: Uint8Array, o: number, w: Uint32Array): void {
  w[0] = ((data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!) >>> 0;
  w[1] = ((data[o + 4]! << 24) | (data[o + 5]! << 16) | (data[o + 6]! << 8) | data[o + 7]!) >>> 0;
  w[2] = ((data[o + 8]! << 24) | (data[o + 9]! << 16) | (data[o + 10]! << 8) | data[o + 11]!) >>> 0;
  w[3] = ((data[o + 12]! << 24) | (data[o + 13]! << 16) | (data[o + 14]! << 8) | data[o + 15]!) >>> 0;
}
