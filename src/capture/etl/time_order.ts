/**
 * ETW writes one buffer per processor, so a trace's events are in time order per processor but
 * not across the file: a packet logged on one processor can come after a later one logged on
 * another (Windows' own consumers merge the processors' streams). This window puts the packets
 * back in time order: it holds up to MAX_PACKETS packets (and MAX_BYTES of them) and releases the
 * earliest; ties keep the file's order (a packet's per-component copies stay in their order).
 * Bounded by design; a packet displaced further than the window is released late, and counted.
 */
import type { RawPacket } from '../source.js';
import type { EtlPacketMeta } from './packet_events.js';

const MAX_PACKETS = 4096;
const MAX_BYTES = 32 << 20;

interface Held {
  tsSec: number;
  tsNsec: number;
  seq: number;
  bytes: Uint8Array;
  wirelen: number;
  linkType: number;
  interfaceId: number;
  fileOffset: number;
  meta: EtlPacketMeta;
}

export class TimeOrder {
  private readonly heap: Held[] = [];
  private bytes = 0;
  private seq = 0;
  /** Last released stamp (ns as two numbers), to count packets released after a later one. */
  private lastSec = -Infinity;
  private lastNsec = 0;
  /** Packets displaced further than the window could mend (released after a later packet). */
  late = 0;

  get size(): number {
    return this.heap.length;
  }

  /** True when the window is full and must release a packet before taking another. */
  get full(): boolean {
    return this.heap.length >= MAX_PACKETS || this.bytes >= MAX_BYTES;
  }

  /** Keep a copy of `pkt` and its facts. */
  hold(pkt: RawPacket, meta: EtlPacketMeta): void {
    const h: Held = {
      tsSec: pkt.tsSec,
      tsNsec: pkt.tsNsec,
      seq: this.seq++,
      bytes: pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen),
      wirelen: pkt.wirelen,
      linkType: pkt.linkType,
      interfaceId: pkt.interfaceId,
      fileOffset: pkt.fileOffset,
      meta: { ...meta },
    };
    this.bytes += h.bytes.length;
    const a = this.heap;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(a[i]!, a[up]!)) break;
      [a[i], a[up]] = [a[up]!, a[i]!];
      i = up;
    }
  }

  /** Release the earliest packet into `pkt` and `meta`; false when empty. */
  release(pkt: RawPacket, meta: EtlPacketMeta): boolean {
    const a = this.heap;
    const top = a[0];
    if (top === undefined) return false;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    this.bytes -= top.bytes.length;
    if (top.tsSec < this.lastSec || (top.tsSec === this.lastSec && top.tsNsec < this.lastNsec)) this.late++;
    else {
      this.lastSec = top.tsSec;
      this.lastNsec = top.tsNsec;
    }
    pkt.data = top.bytes;
    pkt.offset = 0;
    pkt.caplen = top.bytes.length;
    pkt.wirelen = top.wirelen;
    pkt.tsSec = top.tsSec;
    pkt.tsNsec = top.tsNsec;
    pkt.linkType = top.linkType;
    pkt.interfaceId = top.interfaceId;
    pkt.fileOffset = top.fileOffset;
    Object.assign(meta, top.meta);
    return true;
  }
}

function before(x: Held, y: Held): boolean {
  return x.tsSec < y.tsSec || (x.tsSec === y.tsSec && (x.tsNsec < y.tsNsec || (x.tsNsec === y.tsNsec && x.seq < y.seq)));
}
