/**
 * Windows Packet Monitor (pktmon) captures record one packet once per network-stack component it
 * passes (NIC, filter drivers, vSwitch …): the same frame 6 or 8 times within about 80 µs,
 * sometimes as the same IP packet under a different link header. Counted as they are, they
 * inflate packets and bytes and make TCP look retransmitted.
 *
 * Recognised by the pcapng section header: user application "Packet Monitor" (pktmon etl2pcap)
 * collapses from the first packet; a section header naming a Windows OS (other tools, e.g.
 * etl2pcapng, or a renamed pktmon file) only when the pattern shows: if at least a third of the
 * first PROBE_PACKETS packets are copies, collapsing starts from there (those first packets were
 * already counted with their copies, and the report says so). Wireshark/dumpcap captures from
 * Windows have no such copies and are left alone.
 * The collapser counts a packet once when an identical packet was seen within COPY_WINDOW_US
 * before it. Identical means same length and same bytes from the network-layer header on (after
 * the Ethernet addresses and VLAN tags, the 802.11 header and LLC/SNAP (pktmon's Wi-Fi component
 * logs 802.11 frames, even under an Ethernet link type), the SLL or loopback header): for whole packets a 32-bit
 * FNV-1a over all of them plus the first 64 bytes compared exactly; for packets the capture cut
 * short, the same original length and the first bytes both kept. A genuine resend is never identical, since Windows gives it a new IPv4 identification.
 * No allocation per packet: a fixed ring of recent packets.
 */
import type { CaptureInfo, RawPacket } from './source.js';
import { dot11SnapPayload, isDot11InEthernet } from './dot11_frame.js';

/** Copies of one packet arrive within about 80 µs; 1 ms leaves room and stays far below any resend. */
export const COPY_WINDOW_US = 1000;
const RING = 64;
export const PROBE_PACKETS = 64;
const PREFIX = 64;

export function isPktmon(info: CaptureInfo): boolean {
  if (info.etl) return info.etl.pktmonPackets + info.etl.pktmonDrops > 0;
  return /packet monitor|pktmon/i.test(info.section?.application ?? '');
}

function isWindows(info: CaptureInfo): boolean {
  return /windows/i.test(info.section?.os ?? '');
}

/** A collapser for this input, or null when it is not a Windows capture. */
export function copyCollapserFor(info: CaptureInfo): CopyCollapser | null {
  if (info.format !== 'pcapng') return null;
  if (isPktmon(info)) return new CopyCollapser('Windows Packet Monitor (pktmon) capture', true);
  if (isWindows(info)) return new CopyCollapser(`Windows capture (${info.section?.os ?? ''}) with pktmon's per-component copies`, false);
  return null;
}

export class CopyCollapser {
  collapsed = 0;
  private readonly ts = new Float64Array(RING);
  private readonly hash = new Uint32Array(RING);
  private readonly len = new Int32Array(RING).fill(-1);
  private readonly wire = new Int32Array(RING);
  private readonly prefix = new Uint8Array(RING * PREFIX);
  private next = 0;
  /** Probe mode (not yet active): packets looked at, and how many were copies. */
  private seen = 0;
  private probeCopies = 0;
  /** Packets counted with their copies before the pattern was recognised. */
  countedBeforeActive = 0;

  constructor(
    readonly kind: string,
    private active: boolean,
  ) {}

  /** True once copies are being collapsed. */
  get collapsing(): boolean {
    return this.active;
  }

  /** True when `pkt` (stamped `ts` µs) is a copy of a packet seen within the window (count it once). */
  isCopy(pkt: RawPacket, ts: number): boolean {
    const data = pkt.data;
    const start = pkt.offset + l3Offset(data, pkt.offset, pkt.caplen, pkt.linkType);
    const end = pkt.offset + pkt.caplen;
    const n = end - start;
    const wire = pkt.wirelen - (start - pkt.offset);
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
    h >>>= 0;
    const complete = n === wire;
    for (let k = 0; k < RING; k++) {
      if (this.wire[k] !== wire || this.len[k]! < 0) continue;
      // Both whole: same length and same hash over every byte. Cut short (pktmon's 128 bytes,
      // shifted by a longer link header): the bytes both copies kept must agree.
      if (complete && this.len[k] === wire && (this.len[k] !== n || this.hash[k] !== h)) continue;
      const dt = ts - this.ts[k]!;
      if (dt < 0 || dt > COPY_WINDOW_US) continue;
      const m = Math.min(n, this.len[k]!, PREFIX);
      const base = k * PREFIX;
      let same = true;
      for (let i = 0; i < m; i++) {
        if (this.prefix[base + i] !== data[start + i]) {
          same = false;
          break;
        }
      }
      if (same) {
        if (this.active) {
          this.collapsed++;
          return true;
        }
        this.probe(true);
        return false;
      }
    }
    const k = this.next;
    this.next = (k + 1) % RING;
    this.ts[k] = ts;
    this.hash[k] = h;
    this.len[k] = n;
    this.wire[k] = wire;
    this.prefix.set(data.subarray(start, start + Math.min(n, PREFIX)), k * PREFIX);
    if (!this.active) this.probe(false);
    return false;
  }

  private probe(copy: boolean): void {
    if (this.seen >= PROBE_PACKETS) return;
    this.seen++;
    if (copy) this.probeCopies++;
    if (this.seen === PROBE_PACKETS && this.probeCopies * 3 >= PROBE_PACKETS) {
      this.active = true;
      this.countedBeforeActive = PROBE_PACKETS;
    }
  }

  describe(kept: number): string {
    const late = this.countedBeforeActive > 0 ? `; the first ${this.countedBeforeActive} packets, read before the pattern showed, were counted with their copies (${this.probeCopies})` : '';
    return `${this.kind}: ${this.collapsed} per-component copies collapsed (identical packets within ${COPY_WINDOW_US} µs counted once; ${kept} packets remain${late})`;
  }
}

/** Where the IP header starts for this link type (0: compare the whole frame). */
function l3Offset(d: Uint8Array, p: number, caplen: number, linkType: number): number {
  switch (linkType) {
    case 1: {
      // pktmon's Wi-Fi component: an 802.11 frame under the Ethernet link type (a copy of the
      // packet its Ethernet components log): compare from the IP header after the LLC/SNAP.
      if (isDot11InEthernet(d, p, p + caplen)) return dot11SnapPayload(d, p, p + caplen);
      // After the MAC addresses and any 802.1Q / 802.1ad tags: the payload of the last ethertype.
      let off = 12;
      for (let i = 0; i < 8 && off + 2 <= caplen; i++) {
        const et = (d[p + off]! << 8) | d[p + off + 1]!;
        if (et === 0x8100 || et === 0x88a8 || et === 0x9100) off += 4;
        else return off + 2;
      }
      return 0;
    }
    case 105:
      return Math.max(dot11SnapPayload(d, p, p + caplen), 0); // -1: not a data frame with LLC/SNAP
    case 0:
    case 108:
      return caplen >= 4 ? 4 : 0;
    case 113:
      return caplen >= 16 ? 16 : 0;
    case 276:
      return caplen >= 20 ? 20 : 0;
    default:
      return 0; // raw IP (101, 228, 229) and anything else
  }
}

/**
 * A warning when most packets were cut short by the capture (caplen < original length), or any
 * packet of a pktmon capture (its default keeps 128 bytes): names, SNI and endpoint-mapper hints
 * live past that.
 */
export function truncationWarning(info: CaptureInfo, truncated: number, total: number): string | null {
  // pktmon cuts every packet at one size (128 bytes by default): any cut packet shows the setting.
  if (total === 0 || truncated === 0 || (!isPktmon(info) && truncated * 2 <= total)) return null;
  const snaps = [...new Set(info.interfaces.map((i) => i.snapLen).filter((s) => s > 0 && s < 65535))];
  const snap = snaps.length > 0 ? ` (snap length ${snaps.join(', ')})` : '';
  const how = isPktmon(info)
    ? 'pktmon keeps 128 bytes of each packet by default: capture with "pktmon start --capture --pkt-size 0"'
    : 'capture whole packets (pktmon start --capture --pkt-size 0; tcpdump -s 0; dumpcap -s 0)';
  return `${truncated} of ${total} packets were cut short by the capture${snap}: host names, TLS SNI and endpoint-mapper (EPM) hints may be missing; ${how}`;
}
