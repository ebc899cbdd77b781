/**
 * IEEE 802.11 data frames (LINKTYPE_IEEE802_11 = 105), and 802.11 frames that Windows Packet
 * Monitor's Wi-Fi component writes under an Ethernet link type.
 *
 * MAC header (IEEE 802.11-2020 9.2.3): Frame Control u16 (byte 0: version bits 0-1 = 0, type
 * bits 2-3, subtype bits 4-7; byte 1 flags: 0x01 To DS, 0x02 From DS, 0x40 Protected, 0x80
 * +HTC/Order) · Duration u16 · Address 1-3 (6 each) · Sequence Control u16 = 24 bytes;
 * Address 4 (+6) when both To DS and From DS; QoS Control (+2) for QoS subtypes (subtype bit 3);
 * HT Control (+4) for QoS frames with the +HTC bit. Data frames (type 2) of a subtype without
 * bit 2 (not "null") carry a body: an LLC/SNAP header (AA AA 03, OUI, ethertype) then the
 * network packet. Management and control frames, null data and protected (encrypted) bodies are
 * not IP traffic: l3 = Other.
 */
import { DecodeProblem, L3, type DecodedPacket } from './decoded.js';
import { decodeEtherType } from './ethernet.js';

/** LLC/SNAP: DSAP AA, SSAP AA, control 03, OUI (3), ethertype (2). */
const SNAP_LEN = 8;

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

export function decodeDot11(data: Uint8Array, o: number, end: number, out: DecodedPacket): void {
  if (end - o < 2) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  const h = dot11HeaderLength(data[o]!, data[o + 1]!);
  if (h < 0 || (data[o + 1]! & 0x40) !== 0) {
    out.l3 = L3.Other; // management, control, null or encrypted
    return;
  }
  if (end - o < h + SNAP_LEN) {
    out.problem = DecodeProblem.LinkTruncated;
    return;
  }
  const s = o + h;
  if (data[s] !== 0xaa || data[s + 1] !== 0xaa || data[s + 2] !== 0x03) {
    out.l3 = L3.Other; // another LLC payload
    return;
  }
  decodeEtherType(data, s + SNAP_LEN, end, (data[s + 6]! << 8) | data[s + 7]!, out);
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
