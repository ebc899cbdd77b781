/**
 * The interfaces of an ETL input: one per component and link type (a pcapng interface has one
 * link type), as pktmon's own conversion makes them, named after the component once pktmon's
 * rundown event (20) has named it — usually at the end of the trace. netsh packets get one per
 * miniport interface index. Bounded: MAX_INTERFACES, then one shared interface per link type.
 */
import type { InterfaceInfo } from '../source.js';
import type { EtlComponent } from './etl_info.js';
import { COMPONENT_TYPES } from './packet_events.js';

const MAX_INTERFACES = 4096;
const OVERFLOW_COMPONENT = 0xffff;
/** netsh interfaces are keyed above pktmon's 16-bit component ids. */
export const NDIS_KEY_BASE = 0x10000;

export class EtlInterfaces {
  private readonly ifaceOf = new Map<number, number>();
  private readonly byId = new Map<number, EtlComponent>();

  /** `interfaces` and `components` are the input's lists (CaptureInfo.interfaces, EtlInputInfo.components), filled here. */
  constructor(
    private readonly interfaces: InterfaceInfo[],
    private readonly components: EtlComponent[],
  ) {}

  /** The interface index for a component key (pktmon id, or NDIS_KEY_BASE + miniport index) and link type. */
  indexFor(componentKey: number, linkType: number): number {
    const key = componentKey * 512 + (linkType & 511);
    let i = this.ifaceOf.get(key);
    if (i !== undefined) return i;
    if (this.ifaceOf.size >= MAX_INTERFACES) {
      i = this.indexFor(OVERFLOW_COMPONENT, linkType);
      this.ifaceOf.set(key, i);
      return i;
    }
    i = this.interfaces.length;
    const netsh = componentKey >= NDIS_KEY_BASE;
    const id = netsh ? componentKey - NDIS_KEY_BASE : componentKey;
    const iface: InterfaceInfo = { section: 0, index: i, linkType, snapLen: 0, tsUnitsPerSec: 1e9, tsOffsetSec: 0, name: netsh ? `interface ${id}` : `component ${id}` };
    const known = netsh ? undefined : this.byId.get(id);
    if (known) nameInterface(iface, known);
    this.interfaces.push(iface);
    this.ifaceOf.set(key, i);
    return i;
  }

  /** pktmon event 20: a component's id, type, name and description (the first naming of an id wins). */
  component(id: number, type: number, name: string, description: string): void {
    if (this.byId.has(id)) return;
    const c: EtlComponent = { id, name, description, type: COMPONENT_TYPES[type] ?? `type ${type}` };
    this.byId.set(id, c);
    this.components.push(c);
    for (const [key, i] of this.ifaceOf) if (Math.floor(key / 512) === id) nameInterface(this.interfaces[i]!, c);
  }

  componentOf(id: number): EtlComponent | undefined {
    return this.byId.get(id);
  }
}

function nameInterface(iface: InterfaceInfo, c: EtlComponent): void {
  iface.name = c.name;
  iface.description = `pktmon component ${c.id} (${c.type})${c.description ? `: ${c.description}` : ''}`;
}
