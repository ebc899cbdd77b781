/**
 * TCP, UDP and ICMP/ICMPv6 headers. Called by the IP decoders with the upper-layer offset `o`,
 * `end` = the end of the captured IP payload and `limit` = the end the IP header announces
 * (`limit > end` when the capture cut the packet; `out.truncated` is already set then).
 */
import { DecodeProblem, type DecodedPacket } from './decoded.js';

export function decodeTransport(
  data: Uint8Array,
  o: number,
  end: number,
  limit: number,
  proto: number,
  out: DecodedPacket,
): void {
  out.l4Offset = o;
  switch (proto) {
    case 6:
      decodeTcp(data, o, end, limit, out);
      return;
    case 17:
      decodeUdp(data, o, end, out);
      return;
    case 1:
      decodeIcmp(data, o, end, out, 1);
      return;
    case 58:
      decodeIcmp(data, o, end, out, 58);
      return;
    default:
      out.payloadOffset = o;
      out.payloadLength = end - o;
  }
}

/**
 * TCP: the 20-byte fixed header must be captured (else TcpTruncated); a data offset < 5 is
 * TcpBadHeader; a data offset running past the announced segment is TcpTruncated. When only the
 * capture (snaplen) cut the options, ports/flags/seq/ack are read, `truncated` is set and the
 * payload is empty.
 */
export function decodeTcp(data: Uint8Array, o: number, end: number, limit: number, out: DecodedPacket): void {
  if (end - o < 20) {
    out.problem = DecodeProblem.TcpTruncated;
    return;
  }
  const hl = (data[o + 12]! >>> 4) << 2;
  if (hl < 20) {
    out.problem = DecodeProblem.TcpBadHeader;
    return;
  }
  if (o + hl > limit) {
    out.problem = DecodeProblem.TcpTruncated;
    return;
  }
  out.hasPorts = true;
  out.srcPort = (data[o]! << 8) | data[o + 1]!;
  out.dstPort = (data[o + 2]! << 8) | data[o + 3]!;
  out.tcpSeq = ((data[o + 4]! << 24) | (data[o + 5]! << 16) | (data[o + 6]! << 8) | data[o + 7]!) >>> 0;
  out.tcpAck = ((data[o + 8]! << 24) | (data[o + 9]! << 16) | (data[o + 10]! << 8) | data[o + 11]!) >>> 0;
  out.tcpFlags = data[o + 13]!;
  const p = o + hl;
  if (p > end) {
    out.truncated = true;
    out.payloadOffset = end;
    out.payloadLength = 0;
  } else {
    out.payloadOffset = p;
    out.payloadLength = end - p;
  }
}

/** UDP: 8-byte header must be captured; the payload runs to the end of the captured IP payload. */
export function decodeUdp(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (end - o < 8) {
    out.problem = DecodeProblem.UdpTruncated;
    return;
  }
  out.hasPorts = true;
  out.srcPort = (data[o]! << 8) | data[o + 1]!;
  out.dstPort = (data[o + 2]! << 8) | data[o + 3]!;
  out.payloadOffset = o + 8;
  out.payloadLength = end - o - 8;
}

/**
 * ICMP (proto 1) and ICMPv6 (58): type and code. The payload starts after the 4-byte
 * type/code/checksum header, except for error messages, whose body (the quoted original IP
 * header + 8 bytes) starts after the 8-byte header (4 unused/MTU/pointer bytes):
 * ICMPv4 3 unreachable, 4 source quench, 5 redirect, 11 time exceeded, 12 parameter problem;
 * ICMPv6 1 unreachable, 2 packet too big, 3 time exceeded, 4 parameter problem.
 * (Echo's identifier/sequence therefore sit in the first 4 payload bytes.)
 */
export function decodeIcmp(data: Uint8Array, o: number, end: number, out: DecodedPacket, proto: number): void {
  if (end - o < 4) {
    out.problem = DecodeProblem.IcmpTruncated;
    return;
  }
  const type = data[o]!;
  out.isIcmp = true;
  out.icmpType = type;
  out.icmpCode = data[o + 1]!;
  let p = o + (isIcmpError(proto, type) ? 8 : 4);
  if (p > end) p = end;
  out.payloadOffset = p;
  out.payloadLength = end - p;
}

/** True for ICMP error types, whose body quotes the offending packet's IP header. */
export function isIcmpError(proto: number, type: number): boolean {
  if (proto === 58) return type >= 1 && type <= 4;
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
