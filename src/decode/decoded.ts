/**
 * The decoder's output: one struct, owned by the caller and reused for every packet
 * (gopacket's DecodingLayerParser habit). `decodePacket` resets every field it may set,
 * so nothing leaks from the previous packet. No field allocates per packet: addresses are
 * written into fixed Uint32Arrays and payloads are offsets into the packet bytes.
 */

/** What the network layer turned out to be. */
export enum L3 {
  None = 0, // nothing decodable (unknown link type, or link layer too short)
  IPv4 = 4,
  IPv6 = 6,
  ARP = 1,
  Other = 2, // a non-IP ethertype (LLDP, EAPOL, …); see `etherType`
}

/**
 * Why a packet could not be decoded fully. Counted per reason, never thrown.
 * Value 0 means "no problem". Names are in DECODE_PROBLEM_NAMES (stable strings used in JSON).
 */
export enum DecodeProblem {
  None = 0,
  UnsupportedLinkType = 1, // link type we have no decoder for (the packet is still counted)
  LinkTruncated = 2, // frame shorter than its link header (incl. VLAN tags)
  IPv4Truncated = 3, // shorter than 20 bytes or than IHL*4
  IPv4BadHeader = 4, // version ≠ 4 (6 is IPVersionMismatch; on RAW any non-6), IHL < 5, or 0 < total length < IHL*4
  IPv6Truncated = 5, // shorter than 40 bytes, or an extension header runs past the capture
  IPv6BadHeader = 6, // version ≠ 6
  TcpTruncated = 7, // fewer than 20 bytes of TCP header captured, or data offset past the IP-announced segment
  TcpBadHeader = 8, // data offset < 5
  UdpTruncated = 9, // fewer than 8 bytes of UDP header captured
  IcmpTruncated = 10, // fewer than 4 bytes of ICMP header captured
  ArpTruncated = 11,
  TooManyHeaders = 12, // more than 8 VLAN tags or IPv6 extension headers: refuse to loop
  IPVersionMismatch = 13, // link layer announced IPv4 but the header says 6, or vice versa
  Count = 14,
}

export const DECODE_PROBLEM_NAMES: readonly string[] = [
  'none',
  'unsupported-link-type',
  'link-truncated',
  'ipv4-truncated',
  'ipv4-bad-header',
  'ipv6-truncated',
  'ipv6-bad-header',
  'tcp-truncated',
  'tcp-bad-header',
  'udp-truncated',
  'icmp-truncated',
  'arp-truncated',
  'too-many-headers',
  'ip-version-mismatch',
];

/** TCP flag bits as they sit in byte 13 of the TCP header. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export class DecodedPacket {
  // ---- link layer ----
  /** LINKTYPE_* that was decoded. */
  linkType = 0;
  /** Final ethertype after any VLAN tags (0 when the link has none, e.g. RAW). */
  etherType = 0;
  /** Number of 802.1Q/802.1ad tags stripped. */
  vlanDepth = 0;
  /** Outermost VLAN id (12 bits), or -1 when untagged. */
  vlanId = -1;

  // ---- network layer ----
  l3: L3 = L3.None;
  /**
   * Source and destination addresses, always 4 big-endian 32-bit words (IPv6 order).
   * IPv4 is stored IPv4-mapped: [0, 0, 0x0000ffff, a.b.c.d as uint32]. Valid when l3 is IPv4/IPv6.
   */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** Offset of the IP header in the packet bytes (index into RawPacket.data). */
  ipOffset = 0;
  /** Final upper-layer protocol number (after IPv6 extension headers), e.g. 6, 17, 1, 58. */
  ipProto = 0;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl = 0;

  // ---- fragments (IPv4 flags/offset, or the IPv6 Fragment header) ----
  /** True if this packet is any fragment (MF set or offset > 0). */
  isFragment = false;
  /** Fragment offset in bytes (0 for the first fragment). */
  fragOffset = 0;
  /** More-fragments flag. */
  moreFragments = false;
  /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
  fragId = 0;

  // ---- transport layer (valid only when hasPorts / isIcmp) ----
  /**
   * Offset of the upper-layer bytes (after the IP header and IPv6 extension headers): the
   * TCP/UDP/ICMP header, or a later fragment's data. 0 when no IP payload was reached.
   */
  l4Offset = 0;
  /** True when srcPort/dstPort were read (TCP or UDP, first fragment or unfragmented). */
  hasPorts = false;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (see TCP_* constants); 0 for non-TCP. */
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  /** True for ICMPv4 (proto 1) and ICMPv6 (proto 58) with type/code read. */
  isIcmp = false;
  icmpType = 0;
  icmpCode = 0;
  /** Offset (into RawPacket.data) and captured length of the transport payload (TCP/UDP/ICMP body). */
  payloadOffset = 0;
  payloadLength = 0;

  // ---- problems ----
  /** DecodeProblem code, 0 if none. When set, fields beyond the failing layer are unset. */
  problem: DecodeProblem = DecodeProblem.None;
  /** True when the capture cut the packet (caplen < what the headers announce) but headers were read. */
  truncated = false;
}
