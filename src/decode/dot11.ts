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
import { SNAP_LEN, dot11HeaderLength } from '../capture/dot11_frame.js';

export { dot11HeaderLength, dot11SnapPayload, isDot11InEthernet } from '../capture/dot11_frame.js';

/** LLC/SNAP: DSAP AA, SSAP AA, control 03, OUI (3), ethertype (2). */

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
