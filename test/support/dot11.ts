/**
 * 802.11 data frames built to IEEE 802.11-2020 9.2.3 / 9.3.2.1 (MAC header, QoS Control,
 * LLC/SNAP), from an Ethernet II frame: what Windows' Wi-Fi stack and pktmon's Wi-Fi component log.
 */
export interface Dot11Opts {
  /** QoS data (subtype 8, 2-byte QoS Control) instead of plain data (subtype 0). */
  qos?: boolean;
  /** To DS and From DS both set: a fourth address. */
  fourAddr?: boolean;
  /** +HTC (QoS frames only): a 4-byte HT Control field. */
  htc?: boolean;
  /** Frame control byte 0 as given (type/subtype), e.g. 0x48 null data, 0x80 beacon. */
  fc0?: number;
  protectedBody?: boolean;
  /** The LLC header (default AA AA 03 + OUI 000000). */
  llc?: number[];
}

/** An 802.11 data frame carrying the Ethernet frame's payload (after its 14-byte header). */
export function dot11FromEthernet(eth: Uint8Array, o: Dot11Opts = {}): Uint8Array {
  const fc0 = o.fc0 ?? (o.qos ? 0x88 : 0x08);
  let fc1 = o.fourAddr ? 0x03 : 0x01; // To DS: station → AP
  if (o.protectedBody) fc1 |= 0x40;
  if (o.htc) fc1 |= 0x80;
  const dst = [...eth.subarray(0, 6)];
  const src = [...eth.subarray(6, 12)];
  const bssid = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
  const hdr = [fc0, fc1, 0x2c, 0x00, ...bssid, ...src, ...dst, 0x10, 0x00];
  if (o.fourAddr) hdr.push(...src);
  if ((fc0 >>> 4) & 8) hdr.push(0x00, 0x00);
  if (o.htc && (fc0 >>> 4) & 8) hdr.push(0, 0, 0, 0);
  const llc = o.llc ?? [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00];
  return Uint8Array.from([...hdr, ...llc, eth[12]!, eth[13]!, ...eth.subarray(14)]);
}
