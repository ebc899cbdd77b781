/**
 * Numeric protocol constants and their names: link types (LINKTYPE_*), ethertypes and IP
 * protocol numbers. The decoders switch on the numbers; these tables only give names, and an
 * unknown value still prints (ethertype `0x88b5`, `linktype 3145728`, `proto 253`), the way
 * gopacket's EthernetTypeMetadata carries a name beside each dispatch entry.
 *
 * Sources: https://www.tcpdump.org/linktypes.html, IEEE ethertype registry, IANA protocol numbers.
 */

// ---- link types (LINKTYPE_*, as in pcap/pcapng headers) ----
export const LINKTYPE_NULL = 0; // BSD loopback: 4-byte address family in the writer's byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_OPENBSD = 12; // DLT_RAW on OpenBSD; decoded as RAW
export const LINKTYPE_RAW_BSD = 14; // DLT_RAW on BSD/OS; decoded as RAW
export const LINKTYPE_RAW = 101; // raw IP, version nibble decides v4/v6
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: like NULL, family always big-endian
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const LINKTYPE_NAMES = new Map<number, string>([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [6, 'IEEE802_5'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [12, 'RAW'],
  [14, 'RAW'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [127, 'IEEE802_11_RADIOTAP'],
  [143, 'DOCSIS'],
  [147, 'USER0'],
  [187, 'BLUETOOTH_HCI_H4'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [220, 'USB_LINUX_MMAPPED'],
  [227, 'CAN_SOCKETCAN'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [231, 'DBUS'],
  [239, 'NFLOG'],
  [249, 'USBPCAP'],
  [274, 'ETHERNET_MPACKET'],
  [276, 'LINUX_SLL2'],
]);

/** `linkTypeName(1)` → `ETHERNET`; unknown → `linktype 3145728`. */
export function linkTypeName(n: number): string {
  return LINKTYPE_NAMES.get(n) ?? `linktype ${n}`;
}

// ---- ethertypes ----
/** Not a real ethertype: an 802.3 frame whose type field is a length (≤ 1500), i.e. LLC (gopacket's EthernetTypeLLC). */
export const ETHERTYPE_LLC = 0x0000;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
export const ETHERTYPE_LLDP = 0x88cc;

const ETHERTYPE_NAMES = new Map<number, string>([
  [0x0000, 'LLC'],
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x0842, 'WakeOnLAN'],
  [0x22f0, 'AVTP'],
  [0x22f3, 'TRILL'],
  [0x6003, 'DECnet'],
  [0x8035, 'RARP'],
  [0x809b, 'AppleTalk'],
  [0x80f3, 'AARP'],
  [0x8100, '802.1Q'],
  [0x8137, 'IPX'],
  [0x86dd, 'IPv6'],
  [0x8808, 'EthernetFlowControl'],
  [0x8809, 'SlowProtocols'],
  [0x880b, 'PPP'],
  [0x8847, 'MPLS'],
  [0x8848, 'MPLS-multicast'],
  [0x8863, 'PPPoE-discovery'],
  [0x8864, 'PPPoE-session'],
  [0x887b, 'HomePlug'],
  [0x888e, 'EAPOL'],
  [0x8892, 'PROFINET'],
  [0x889a, 'HyperSCSI'],
  [0x88a2, 'ATAoE'],
  [0x88a4, 'EtherCAT'],
  [0x88a8, '802.1ad'],
  [0x88ab, 'Powerlink'],
  [0x88b8, 'GOOSE'],
  [0x88ba, 'SV'],
  [0x88cc, 'LLDP'],
  [0x88cd, 'SERCOS'],
  [0x88e1, 'HomePlugAV'],
  [0x88e3, 'MRP'],
  [0x88e5, 'MACsec'],
  [0x88e7, 'PBB'],
  [0x88f7, 'PTP'],
  [0x88fb, 'PRP'],
  [0x8902, 'CFM'],
  [0x8906, 'FCoE'],
  [0x8914, 'FIP'],
  [0x892f, 'HSR'],
  [0x9000, 'Loopback'],
  [0x9100, 'QinQ'],
]);

/** The ethertypes the decoder dispatches on; only these have a short name. */
const DECODED_ETHERTYPES = new Set([0x0000, 0x0800, 0x0806, 0x8100, 0x86dd, 0x88a8, 0x9100]);

/**
 * Name of an ethertype the decoder understands (`IPv4`, `ARP`, `IPv6`, `802.1Q`, `802.1ad`,
 * `QinQ`, `LLC`); every other value prints as 4 hex digits, e.g. LLDP as `0x88cc`, so the
 * non-IP counts in reports read like tcpdump/Wireshark numbers. See `etherTypeDescription`.
 */
export function etherTypeName(n: number): string {
  return DECODED_ETHERTYPES.has(n) ? ETHERTYPE_NAMES.get(n)! : etherTypeHex(n);
}

/** A human label for any registered ethertype: `LLDP`, `EAPOL`, …; unknown → `0x88b5`. */
export function etherTypeDescription(n: number): string {
  return ETHERTYPE_NAMES.get(n) ?? etherTypeHex(n);
}

/** `0x88cc` — the ethertype as 4 lowercase hex digits. */
export function etherTypeHex(n: number): string {
  return '0x' + (n & 0xffff).toString(16).padStart(4, '0');
}

// ---- IP protocol numbers (IPv4 protocol / IPv6 next header) ----
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IGMP = 2;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_OSPF = 89;
export const IPPROTO_PIM = 103;
export const IPPROTO_VRRP = 112;
export const IPPROTO_L2TP = 115;
export const IPPROTO_SCTP = 132;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_UDPLITE = 136;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

const IPPROTO_NAMES = new Map<number, string>([
  [0, 'HOPOPT'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [8, 'EGP'],
  [9, 'IGP'],
  [17, 'UDP'],
  [27, 'RDP'],
  [33, 'DCCP'],
  [41, 'IPv6'],
  [43, 'IPv6-Route'],
  [44, 'IPv6-Frag'],
  [46, 'RSVP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [58, 'ICMPv6'],
  [59, 'IPv6-NoNxt'],
  [60, 'IPv6-Opts'],
  [88, 'EIGRP'],
  [89, 'OSPF'],
  [94, 'IPIP'],
  [97, 'EtherIP'],
  [103, 'PIM'],
  [108, 'IPComp'],
  [112, 'VRRP'],
  [115, 'L2TP'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [136, 'UDPLite'],
  [137, 'MPLS-in-IP'],
  [139, 'HIP'],
  [140, 'Shim6'],
]);

/** `ipProtocolName(6)` → `TCP`; unknown → `proto 253`. */
export function ipProtocolName(n: number): string {
  return IPPROTO_NAMES.get(n) ?? `proto ${n}`;
}

// ---- BSD loopback (LINKTYPE_NULL / LOOP) address families ----
export const BSD_AF_INET = 2;
export const BSD_AF_INET6_BSD = 24; // NetBSD, OpenBSD, BSD/OS
export const BSD_AF_INET6_FREEBSD = 28; // FreeBSD, DragonFly BSD
export const BSD_AF_INET6_DARWIN = 30; // macOS, iOS
