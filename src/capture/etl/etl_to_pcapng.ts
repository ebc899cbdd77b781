/**
 * ETL → pcapng (`flowaudit convert`): every packet event of the trace as an Enhanced Packet
 * Block, one interface per component and link type (as pktmon's own `etl2pcap` does), with the
 * link type of the event's packet type (Ethernet, 802.11, raw IP), the direction in epb_flags and
 * the component, direction, packet group/number and drop reason in a packet comment.
 * Two passes over the file: pktmon names its components in rundown events at the end of the
 * trace, and the interfaces (with those names) must come before the packets that use them.
 */
import { CaptureFormatError } from '../../errors.js';
import { ByteWindow, DEFAULT_CHUNK_SIZE } from '../../inputs/chunked_file.js';
import { encodeOptions, PcapngWriter } from '../pcapng_writer.js';
import { newRawPacket, type CaptureInfo } from '../source.js';
import { EtlReader } from './etl_reader.js';
import { PACKET_TYPES, PKTMON_DIRECTIONS, dropReasonName, type EtlPacketMeta } from './packet_events.js';

export interface ConvertResult {
  info: CaptureInfo;
  packets: number;
  drops: number;
  interfaces: number;
}

/** Read `path` twice: interfaces (and names) first, then the packets into `out` (a pcapng path). */
export function convertEtlFile(path: string, out: string, opts: { chunkSize?: number } = {}): ConvertResult {
  const first = new EtlReader(ByteWindow.fromFile(path, opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const pkt = newRawPacket();
  try {
    while (first.next(pkt));
  } catch (e) {
    // A corrupt buffer: the interfaces seen before it are known; the second pass writes the
    // packets before it and then throws the same error (what was read is never lost).
    if (!(e instanceof CaptureFormatError)) throw e;
  } finally {
    first.close();
  }
  const reader = new EtlReader(ByteWindow.fromFile(path, opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const w = PcapngWriter.toFile(out, { userAppl: `flowaudit convert (${reader.info.section?.application ?? 'ETW'} trace, Packet Monitor / netsh)`, os: first.info.section?.os ?? 'Windows' });
  let drops = 0;
  try {
    for (const iface of first.info.interfaces) {
      w.addInterface({ linkType: iface.linkType, snapLen: 0, tsResolution: 'ns', ...(iface.name ? { name: iface.name } : {}), ...(iface.description ? { description: iface.description } : {}) });
    }
    while (reader.next(pkt)) {
      const m = reader.meta;
      if (m.dropped) drops++;
      w.writePacket(pkt.interfaceId, pkt.tsSec, pkt.tsNsec, pkt.data, pkt.offset, pkt.caplen, pkt.wirelen, packetOptions(m, componentLabel(first, m)));
    }
  } finally {
    w.close();
    reader.close();
  }
  return { info: reader.info, packets: reader.info.packets, drops, interfaces: first.info.interfaces.length };
}

function componentLabel(r: EtlReader, m: EtlPacketMeta): string {
  if (m.provider === 'ndiscap') return `interface ${m.component}`;
  const c = r.componentOf(m.component);
  return c ? `${m.component} ${c.name}${c.description ? ` (${c.description})` : ''}` : `${m.component}`;
}

/** epb_flags direction bits: 1 inbound, 2 outbound (pktmon In/Rx/Ingress, Out/Tx/Egress; netsh receive/send). */
function directionBits(m: EtlPacketMeta): number {
  if (m.provider === 'ndiscap') return m.direction === 2 ? 2 : m.direction === 1 ? 1 : 0;
  return m.direction === 1 || m.direction === 3 || m.direction === 5 ? 1 : m.direction === 2 || m.direction === 4 || m.direction === 6 ? 2 : 0;
}

export function packetComment(m: EtlPacketMeta, component: string): string {
  if (m.provider === 'ndiscap') {
    return `netsh: ${component}, ${m.direction === 2 ? 'send' : m.direction === 1 ? 'receive' : 'direction unknown'}, ${PACKET_TYPES[m.packetType] ?? m.packetType}`;
  }
  const dir = PKTMON_DIRECTIONS[m.direction] ?? `direction ${m.direction}`;
  const base = `pktmon: component ${component}, ${dir}, ${PACKET_TYPES[m.packetType] ?? `type ${m.packetType}`}, edge ${m.edge}, filter ${m.filter}, packet group ${m.groupId} number ${m.pktNumber} appearance ${m.appearance}`;
  return m.dropped ? `${base}; DROPPED: ${dropReasonName(m.dropReason)} (reason ${m.dropReason}, location 0x${m.dropLocation.toString(16)})` : base;
}

function packetOptions(m: EtlPacketMeta, component: string): Uint8Array {
  const flags = new Uint8Array(4);
  new DataView(flags.buffer).setUint32(0, directionBits(m), true);
  return encodeOptions([
    [1, packetComment(m, component)],
    [2, flags],
  ]);
}
