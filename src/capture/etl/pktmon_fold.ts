/**
 * Count each packet of a pktmon ETL trace once, by pktmon's own identity of a packet: its packet
 * group id and packet number (PktGroupId, PktNumber). pktmon logs one event per component the
 * packet crosses (NIC, filter drivers, vSwitch ports, TCP/IP …), each with the same group and
 * number and a growing appearance count (1 at the first component); the first event seen is the
 * packet, later appearances of the same group and number are per-component copies, counted per
 * component so the report can say where they came from. An event with appearance 1 is always a
 * packet of its own, so two packets can never be folded for sharing a group id.
 * No time window: an identical resend is a new group. Bounded: the last KEYS identities only
 * (a packet's events are written within microseconds, and ETW keeps a processor's events in order).
 * netsh (NDIS-PacketCapture) traces log each packet once per capture point and are left alone.
 */
import type { EtlReader } from './etl_reader.js';
import { dropReasonName } from './packet_events.js';
import type { EtlInputInfo } from './etl_info.js';
import type { RawPacket } from '../source.js';

const KEYS = 1 << 16;
/** Distinct (component, reason) pairs counted; a hostile trace cannot grow the list further. */
const MAX_DROP_KINDS = 1000;
/** Drops kept in inputs[].etl.drops (the count is exact beyond it). */
export const MAX_DROPS_LISTED = 200;

export interface EtlFoldInfo {
  /** Per-component copies folded, by component id. */
  copies: { component: number; name: string; copies: number }[];
  /** Packets pktmon saw dropped, by component and reason. */
  drops: { component: number; name: string; reason: number; reasonName: string; packets: number }[];
}

export class EtlPacketCollapser {
  collapsed = 0;
  readonly collapsing = true;
  private readonly seen = new Set<number>();
  private readonly ring = new Float64Array(KEYS);
  private next = 0;
  private readonly copiesBy = new Map<number, number>();
  private readonly dropsBy = new Map<string, { component: number; reason: number; packets: number }>();

  constructor(private readonly reader: EtlReader) {}

  /** True when the packet `next()` just returned is a per-component copy of one already counted. */
  isCopy(_pkt: RawPacket, _ts: number): boolean {
    const m = this.reader.meta;
    if (m.dropped) {
      const k = `${m.component}/${m.dropReason}`;
      const d = this.dropsBy.get(k);
      if (d) d.packets++;
      else if (this.dropsBy.size < MAX_DROP_KINDS) this.dropsBy.set(k, { component: m.component, reason: m.dropReason, packets: 1 });
    }
    if (m.provider !== 'pktmon' || m.groupId < 0) return false;
    // groupId < 2^37 in practice (a counter since boot); the modulo keeps the key an exact double.
    const key = (m.groupId % 0x2000000000) * 0x10000 + m.pktNumber;
    // A copy: a packet group and number already counted, at a later appearance (the first
    // component that logs a packet gives it appearance 1; each further component counts up).
    if (m.appearance > 1 && this.seen.has(key)) {
      this.collapsed++;
      this.copiesBy.set(m.component, (this.copiesBy.get(m.component) ?? 0) + 1);
      return true;
    }
    if (this.seen.has(key)) return false; // appearance 1 again: another packet under the same group and number
    if (this.seen.size >= KEYS) this.seen.delete(this.ring[this.next]!);
    this.ring[this.next] = key;
    this.next = (this.next + 1) % KEYS;
    this.seen.add(key);
    return false;
  }

  /** Per-component copies and drops, with the components' names (known once the trace is read). */
  fold(): EtlFoldInfo {
    const name = (id: number): string => {
      const c = this.reader.componentOf(id);
      return c ? `${c.name}${c.description ? ` (${c.description})` : ''}` : `component ${id}`;
    };
    const copies = [...this.copiesBy].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([component, copies]) => ({ component, name: name(component), copies }));
    const drops = [...this.dropsBy.values()]
      .sort((a, b) => b.packets - a.packets || a.component - b.component || a.reason - b.reason)
      .map((d) => ({ component: d.component, name: name(d.component), reason: d.reason, reasonName: dropReasonName(d.reason), packets: d.packets }));
    return { copies, drops };
  }

  describe(kept: number): string {
    const f = this.fold();
    const from = f.copies.map((c) => `${c.copies} from ${c.name}`).join(', ');
    return `Windows Packet Monitor trace: ${this.collapsed} per-component copies folded by pktmon's packet group and number (${from}); ${kept} packets remain`;
  }

  /** Record the fold in the input's ETL facts (inputs[].etl.folded, .dropped) and warn about drops. */
  finish(etl: EtlInputInfo, warnings: { offset: number; message: string }[]): void {
    const f = this.fold();
    etl.folded = f.copies;
    etl.dropped = f.drops;
    for (const d of f.drops) {
      warnings.push({ offset: -1, message: `pktmon saw ${d.packets} packet${d.packets === 1 ? '' : 's'} dropped by ${d.name}: ${d.reasonName} (reason ${d.reason})` });
    }
  }
}
