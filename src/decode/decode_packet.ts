/**
 * The decoder entry point, plus the link types too small for a file of their own
 * (RAW, IPV4, IPV6, BSD NULL, OpenBSD LOOP).
 */
import { DecodeProblem, L3, type DecodedPacket } from './decoded.js';
import { decodeEthernet } from './ethernet.js';
import { decodeDot11, isDot11InEthernet } from './dot11.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { decodeLinuxSll, decodeLinuxSll2 } from './linux_sll.js';

/** Reset every field `decodePacket` may set (the addresses to all-zero). */
export function resetDecoded(out: DecodedPacket): void {
  out.linkType = 0;
  out.etherType = 0;
  out.vlanDepth = 0;
  out.vlanId = -1;
  out.l3 = L3.None;
  const s = out.src;
  const d = out.dst;
  s[0] = 0;
  s[1] = 0;
  s[2] = 0;
  s[3] = 0;
  d[0] = 0;
  d[1] = 0;
  d[2] = 0;
  d[3] = 0;
  out.ipOffset = 0;
  out.ipProto = 0;
  out.ttl = 0;
  out.isFragment = false;
  out.fragOffset = 0;
  out.moreFragments = false;
  out.fragId = 0;
  out.l4Offset = 0;
  out.hasPorts = false;
  out.srcPort = 0;
  out.dstPort = 0;
  out.tcpFlags = 0;
  out.tcpSeq = 0;
  out.tcpAck = 0;
  out.isIcmp = false;
  out.icmpType = 0;
  out.icmpCode = 0;
  out.payloadOffset = 0;
  out.payloadLength = 0;
  out.problem = DecodeProblem.None;
  out.truncated = false;
}

/**
 * Decode the packet `data[offset, offset + caplen)` of link type `linkType` into `out`.
 * Never throws, never allocates. Problems are reported in `out.problem` (see DecodeProblem).
 */
export function decodePacket(
  data: Uint8Array,
  offset: number,
  caplen: number,
  linkType: number,
  out: DecodedPacket,
): void {
  resetDecoded(out);
  out.linkType = linkType;
  let end = offset + caplen;
  if (end > data.length) end = data.length;
  switch (linkType) {
    case 1:
      // pktmon's Wi-Fi component logs 802.11 frames under the Ethernet link type.
      if (isDot11InEthernet(data, offset, end)) decodeDot11(data, offset, end, out);
      else decodeEthernet(data, offset, end, out);
      return;
    case 105:
      decodeDot11(data, offset, end, out);
      return;
    case 113:
      decodeLinuxSll(data, offset, end, out);
      return;
    case 276:
      decodeLinuxSll2(data, offset, end, out);
      return;
    case 101:
    case 12:
    case 14:
      decodeRawIP(data, offset, end, out);
      return;
    case 228:
      decodeIPv4(data, offset, end, out);
      return;
    case 229:
      decodeIPv6(data, offset, end, out);
      return;
    case 0:
      decodeNull(data, offset, end, out, false);
      return;
    case 108:
      decodeNull(data, offset, end, out, true);
      return;
    default:
      out.problem = DecodeProblem.UnsupportedLinkType;
  }
}

/** RAW (101, 12, 14): the IP version nibble decides; another version is IPv4BadHeader. */
export function decodeRawIP(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (o >= end) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  if (data[o]! >>> 4 === 6) decodeIPv6(data, o, end, out);
  else decodeIPv4(data, o, end, out);
}

/**
 * BSD loopback. NULL (0): a 4-byte address family in the writer's byte order, detected per
 * packet (families are < 65536, so two leading zero bytes mean big-endian). LOOP (108): always
 * big-endian. AF_INET = 2; AF_INET6 = 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin) (as in
 * Wireshark's packet-null.c). Other families: `l3 = Other`.
 */
export function decodeNull(data: Uint8Array, o: number, end: number, out: DecodedPacket, bigEndian: boolean): void {
  if (end - o < 4) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  const family =
    bigEndian || (data[o] === 0 && data[o + 1] === 0)
      ? (data[o + 2]! << 8) | data[o + 3]!
      : data[o]! | (data[o + 1]! << 8);
  switch (family) {
    case 2:
      decodeIPv4(data, o + 4, end, out);
      return;
    case 24:
    case 28:
    case 30:
      decodeIPv6(data, o + 4, end, out);
      return;
    default:
      out.l3 = L3.Other;
  }
}
