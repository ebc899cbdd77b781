/**
 * The shape of an IEEE 802.11 data frame (IEEE 802.11-2020 9.2.3): header length and where the
 * LLC/SNAP payload starts. Pure byte checks shared by the decoder (decode/dot11.ts) and the
 * pktmon copy collapser (capture/pktmon.ts), which sits upstream of decode.
 */

/** LLC/SNAP: DSAP AA, SSAP AA, control 03, OUI (3), ethertype (2). */
export const SNAP_LEN = 8;

/** The MAC header's length for the frame control bytes (fc0, fc1), or -1 for a frame with no data body. */
export function dot11HeaderLength(fc0: number, fc1: number): number {
  if ((fc0 & 3) !== 0) return -1; // protocol version must be 0
  if (((fc0 >>> 2) & 3) !== 2) return -1; // not a data frame
  const subtype = fc0 >>> 4;
  if ((subtype & 4) !== 0) return -1; // null data: no body
  let n = 24;
  if ((fc1 & 3) === 3) n += 6;
  if ((subtype & 8) !== 0) {
    n += 2;
    if ((fc1 & 0x80) !== 0) n += 4;
  }
  return n;
}

/**
 * Where the network packet starts in an 802.11 data frame with LLC/SNAP carrying IPv4, IPv6
 * or ARP (relative to `o`), or -1 when `data[o, end)` is not one. Used to recognise the frames
 * pktmon's Wi-Fi component logs under an Ethernet link type: only called for frames whose
 * Ethernet type field is not an ethertype the decoder knows, so real Ethernet is never reread.
 */
export function dot11SnapPayload(data: Uint8Array, o: number, end: number): number {
  if (end - o < 2) return -1;
  const fc1 = data[o + 1]!;
  const h = dot11HeaderLength(data[o]!, fc1);
  if (h < 0 || (fc1 & 0x40) !== 0 || end - o < h + SNAP_LEN) return -1;
  const s = o + h;
  if (data[s] !== 0xaa || data[s + 1] !== 0xaa || data[s + 2] !== 0x03 || data[s + 3] !== 0 || data[s + 4] !== 0 || (data[s + 5] !== 0 && data[s + 5] !== 0xf8)) return -1;
  const et = (data[s + 6]! << 8) | data[s + 7]!;
  return et === 0x0800 || et === 0x86dd || et === 0x0806 ? h + SNAP_LEN : -1;
}

/** Ethernet type-field values the decoder reads as Ethernet (IPv4, IPv6, ARP, VLAN tags). */
function knownEtherType(t: number): boolean {
  return t === 0x0800 || t === 0x86dd || t === 0x0806 || t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

/**
 * A frame under the Ethernet link type that is really 802.11 (pktmon's Wi-Fi component): its
 * Ethernet type field is no ethertype we know, and it reads as an 802.11 data frame with LLC/SNAP.
 */
export function isDot11InEthernet(data: Uint8Array, o: number, end: number): boolean {
  if (end - o < 14 || knownEtherType((data[o + 12]! << 8) | data[o + 13]!)) return false;
  return dot11SnapPayload(data, o, end) > 0;
}
