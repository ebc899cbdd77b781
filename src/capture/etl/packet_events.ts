/**
 * The two packet providers' event payloads (user data after the event header), as the providers'
 * manifests declare them (field names as in the manifests; layouts confirmed on the real pktmon
 * trace in ../shared/corpus/windows/):
 *
 * Microsoft-Windows-PktMon {4d4f80d9-c8bd-4d73-bb5b-19c90402c5ac}
 *   160 packet, 170 dropped packet: u64 PktGroupId · u16 PktNumber · u16 AppearanceCount ·
 *     u16 DirTag · u16 PacketType · u16 ComponentId · u16 EdgeId · u16 FilterId · u32 DropReason ·
 *     u32 DropLocation · u16 OriginalPayloadSize · u16 LoggedPayloadSize · Payload (34 bytes in).
 *   20 component: u16 Id · u16 Type · UTF-16 Name · UTF-16 Description.
 * Microsoft-Windows-NDIS-PacketCapture {2ed6006e-4729-4609-b423-3ee7bcd678ef} (netsh trace)
 *   1001 packet fragment: u32 MiniportIfIndex · u32 LowerIfIndex · u32 FragmentSize · Fragment.
 *   Keywords: 0x40000000 packet start, 0x80000000 packet end, 2^32 send, 2^33 receive,
 *   0x10000 native 802.11, 0x200 wireless WAN (raw IP frames).
 */

export const PKTMON_PACKET = 160;
export const PKTMON_DROP = 170;
export const PKTMON_COMPONENT = 20;
export const NDISCAP_FRAGMENT = 1001;
export const PKTMON_PACKET_HEADER = 34;
export const NDISCAP_FRAGMENT_HEADER = 12;

export const KW_PACKET_START = 0x40000000;
export const KW_PACKET_END = 0x80000000;
/** Keyword high-half bits (keyword >> 32). */
export const KW_HI_SEND = 0x1;
export const KW_HI_RECEIVE = 0x2;
export const KW_NATIVE_802_11 = 0x10000;
export const KW_WIRELESS_WAN = 0x200;

/** What pktmon or netsh said about the packet `next()` returned last (reused). */
export interface EtlPacketMeta {
  provider: 'pktmon' | 'ndiscap';
  /** pktmon: packet group and number (one packet, whatever the component); -1 for netsh. */
  groupId: number;
  pktNumber: number;
  appearance: number;
  /** pktmon DirTag (1 In, 2 Out, 3 Rx, 4 Tx, 5 Ingress, 6 Egress); netsh: 2 send, 1 receive, 0 unknown. */
  direction: number;
  /** pktmon PacketType (1 Ethernet, 2 Wi-Fi, 3 IP/MBB). */
  packetType: number;
  /** pktmon ComponentId; netsh: the miniport interface index. */
  component: number;
  edge: number;
  filter: number;
  /** True for a drop event (pktmon 170); reason and location then say why and where. */
  dropped: boolean;
  dropReason: number;
  dropLocation: number;
}

export function newPacketMeta(): EtlPacketMeta {
  return { provider: 'pktmon', groupId: -1, pktNumber: 0, appearance: 0, direction: 0, packetType: 0, component: 0, edge: 0, filter: 0, dropped: false, dropReason: 0, dropLocation: 0 };
}

/**
 * Read a pktmon 160/170 payload at `p` (length `n`) into `m`. Returns the payload's offset, or
 * -1 when the event is too short for its fixed fields. `sizes` receives the original and logged
 * payload sizes.
 */
export function readPktmonPacket(v: DataView, p: number, n: number, dropped: boolean, m: EtlPacketMeta, sizes: { original: number; logged: number }): number {
  if (n < PKTMON_PACKET_HEADER) return -1;
  m.provider = 'pktmon';
  m.groupId = v.getUint32(p, true) + v.getUint32(p + 4, true) * 0x100000000;
  m.pktNumber = v.getUint16(p + 8, true);
  m.appearance = v.getUint16(p + 10, true);
  m.direction = v.getUint16(p + 12, true);
  m.packetType = v.getUint16(p + 14, true);
  m.component = v.getUint16(p + 16, true);
  m.edge = v.getUint16(p + 18, true);
  m.filter = v.getUint16(p + 20, true);
  m.dropReason = v.getUint32(p + 22, true);
  m.dropLocation = v.getUint32(p + 26, true);
  m.dropped = dropped;
  sizes.original = v.getUint16(p + 30, true);
  sizes.logged = v.getUint16(p + 32, true);
  return p + PKTMON_PACKET_HEADER;
}

/** pktmon PacketType → LINKTYPE_* (Ethernet 1, 802.11 105, raw IP 101); 0 for an unknown type. */
export function pktmonLinkType(packetType: number): number {
  switch (packetType) {
    case 1:
      return 1;
    case 2:
      return 105;
    case 3:
      return 101;
    default:
      return 0;
  }
}

export const PKTMON_DIRECTIONS: Record<number, string> = { 0: 'none', 1: 'in', 2: 'out', 3: 'rx', 4: 'tx', 5: 'ingress', 6: 'egress' };

export const PACKET_TYPES: Record<number, string> = { 0: 'unknown', 1: 'Ethernet', 2: 'Wi-Fi', 3: 'IP' };

export const COMPONENT_TYPES: Record<number, string> = {
  1: 'NDIS',
  2: 'miniport',
  3: 'filter',
  4: 'protocol',
  5: 'vSwitch VM NIC',
  6: 'vSwitch miniport',
  7: 'vSwitch extension miniport',
  8: 'vSwitch protocol NIC',
  9: 'NetVsc miniport',
};

/**
 * pktmon drop reasons (PKTMON_DROP_REASON, as `pktmon` prints them); an unknown code prints as
 * its number. Codes from 200 up come from the Windows networking stack's own components
 * (TCP/IP, the Windows Filtering Platform …): pktmon names them in its own output only.
 */
export const DROP_REASONS: Record<number, string> = {
  0: 'unspecified',
  1: 'invalid data',
  2: 'invalid packet',
  3: 'insufficient resources',
  4: 'adapter not ready',
  5: 'media disconnected',
  6: 'not accepted',
  7: 'device busy',
  8: 'filtered',
  9: 'filtered VLAN',
  10: 'unauthorized VLAN',
  11: 'unauthorized MAC',
  12: 'failed security policy',
  13: 'failed pVlan setting',
  14: 'QoS drop',
  15: 'IPsec drop',
  16: 'spoofed MAC address is not allowed',
  17: 'failed DHCP guard',
  18: 'failed router guard',
  19: 'bridge is not allowed inside VM',
  20: 'virtual subnet ID does not match',
  21: 'required vSwitch extension is missing',
  23: 'MTU mismatch',
  26: 'invalid destination MAC',
  27: 'invalid source MAC',
  28: 'first NB too small',
  30: 'storm limit exceeded',
  33: 'destination NIC is disabled',
  34: 'packet does not match the destination NIC packet filter',
  35: 'vSwitch data flow is disabled',
  38: 'adapter is in low power state',
  101: 'adapter paused',
  102: 'adapter reset in progress',
  103: 'send aborted',
  104: 'unsupported EtherType',
};

export function dropReasonName(code: number): string {
  return DROP_REASONS[code] ?? `drop reason ${code}`;
}

/** The fixed fields of a netsh fragment at `p` (length `n`); -1 when too short or inconsistent. */
export function readNdisFragment(v: DataView, p: number, n: number, out: { miniport: number; lower: number; size: number }): number {
  if (n < NDISCAP_FRAGMENT_HEADER) return -1;
  out.miniport = v.getUint32(p, true);
  out.lower = v.getUint32(p + 4, true);
  out.size = v.getUint32(p + 8, true);
  if (out.size > n - NDISCAP_FRAGMENT_HEADER) return -1;
  return p + NDISCAP_FRAGMENT_HEADER;
}
