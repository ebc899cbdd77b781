/**
 * netsh (Microsoft-Windows-NDIS-PacketCapture) logs a packet as fragment events (1001): the first
 * carries the packet-start keyword, the last the packet-end keyword, and the packet is their
 * bytes in order. The joiner keeps one packet's bytes in a reused buffer (at most MAX_JOINED).
 */
import { KW_HI_RECEIVE, KW_HI_SEND, KW_NATIVE_802_11, KW_PACKET_END, KW_PACKET_START, KW_WIRELESS_WAN, type EtlPacketMeta } from './packet_events.js';

/** netsh keeps at most this many bytes of one packet (its largest fragment size is far below). */
const MAX_JOINED = 256 * 1024;

export class NdisJoiner {
  bytes = new Uint8Array(0);
  length = 0;
  /** A packet has started and not yet ended. */
  pending = false;

  /** Add a fragment (`src[at, at + size)`, with its event's keyword); true when it ends a packet. */
  add(src: Uint8Array, at: number, size: number, keywordLo: number): boolean {
    if ((keywordLo & KW_PACKET_START) !== 0 || !this.pending) this.length = 0;
    this.pending = true;
    const room = Math.min(size, MAX_JOINED - this.length);
    if (this.bytes.length < this.length + room) {
      const grown = new Uint8Array(Math.min(MAX_JOINED, Math.max(this.length + room, this.bytes.length * 2, 2048)));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(at, at + room), this.length);
    this.length += room;
    if ((keywordLo & KW_PACKET_END) === 0) return false;
    this.pending = false;
    return true;
  }
}

/** The packet's facts from its last fragment's keywords: direction, link type, interface. */
export function ndisPacketMeta(m: EtlPacketMeta, keywordLo: number, keywordHi: number, miniport: number): void {
  m.provider = 'ndiscap';
  m.groupId = -1;
  m.pktNumber = 0;
  m.appearance = 0;
  m.direction = (keywordHi & KW_HI_SEND) !== 0 ? 2 : (keywordHi & KW_HI_RECEIVE) !== 0 ? 1 : 0;
  m.packetType = (keywordLo & KW_NATIVE_802_11) !== 0 ? 2 : (keywordLo & KW_WIRELESS_WAN) !== 0 ? 3 : 1;
  m.component = miniport;
  m.edge = 0;
  m.filter = 0;
  m.dropped = false;
  m.dropReason = 0;
  m.dropLocation = 0;
}
