/**
 * ETW trace (ETL) reader: the packets pktmon (`pktmon start --capture`) and netsh (`netsh trace
 * start capture=yes`) log, on any OS, through the same ByteWindow as the pcap readers (so the
 * evidence hash covers the ETL bytes as read, once). Buffer by buffer: the 72-byte header, the
 * events (decompressed first when the buffer is compressed: [MS-XCA] Plain LZ77, lz77.ts), and
 * of those the packet events of the two providers (packet_events.ts). Everything else is counted
 * and skipped. One reused scratch buffer for decompression, one for joining netsh fragments.
 *
 * Each packet's pktmon facts (group, number, component, direction, drop) are in `meta` until the
 * next call to `next()`; components' names arrive in pktmon's rundown events, usually at the end
 * of the trace, and fill `info.etl.components` and the interfaces' names when they do.
 */
import { CaptureFormatError, messageOf } from '../../errors.js';
import { ByteWindow, hex32 } from '../../inputs/chunked_file.js';
import { newRawPacket, noteEndOfInput, type CaptureInfo, type PacketSource, type RawPacket } from '../source.js';
import { CLOCK_NAMES, eventTime, parseTraceHeader, type EtlTraceHeader } from './etl_clock.js';
import { MAX_ETL_BUFFER, NDISCAP_PROVIDER, PKTMON_PROVIDER, TraceHeader, WMI_BUFFER_HEADER_LEN, guidAt, newEtlEvent, readBufferHeader, readEvent, utf16z, type EtlBufferHeader } from './etl_format.js';
import type { EtlComponent, EtlInputInfo } from './etl_info.js';
import { Lz77Error, decompressPlainLz77 } from './lz77.js';
import { NdisJoiner, ndisPacketMeta } from './ndis_join.js';
import { TimeOrder } from './time_order.js';
import { EtlInterfaces, NDIS_KEY_BASE } from './etl_interfaces.js';
import {
  NDISCAP_FRAGMENT,
  PKTMON_COMPONENT,
  PKTMON_DROP,
  PKTMON_PACKET,
  newPacketMeta,
  pktmonLinkType,
  readNdisFragment,
  readPktmonPacket,
  type EtlPacketMeta,
} from './packet_events.js';

/** True when the window holds the start of an ETL file (needs ETL_SNIFF_BYTES; see isEtlHeader). */
export const ETL_SNIFF_BYTES = WMI_BUFFER_HEADER_LEN + 8;

/**
 * An ETL file starts with a buffer whose first event is the SYSTEM event (header type 1 or 2,
 * marker 0xC0) of group 0 type 0 that carries TRACE_LOGFILE_HEADER.
 */
export function isEtlHeader(b: Uint8Array, v: DataView, p: number, avail: number): boolean {
  if (avail < ETL_SNIFF_BYTES) return false;
  const size = v.getUint32(p, true);
  const t = b[p + WMI_BUFFER_HEADER_LEN + 2]!;
  const first = p + WMI_BUFFER_HEADER_LEN;
  const sizeOk = size >= WMI_BUFFER_HEADER_LEN + 32 && size <= MAX_ETL_BUFFER;
  return sizeOk && (t === 1 || t === 2) && (b[first + 3]! & 0xc0) === 0xc0 && v.getUint16(first + 6, true) === 0;
}

export class EtlReader implements PacketSource {
  readonly info: CaptureInfo;
  readonly etl: EtlInputInfo;
  /** The last packet's provider facts (valid until the next call to next()). */
  readonly meta: EtlPacketMeta = newPacketMeta();
  /** Original and logged sizes of the last pktmon packet. */
  private readonly sizes = { original: 0, logged: 0 };
  private readonly w: ByteWindow;
  private readonly hdr: EtlBufferHeader = { size: 0, fullSize: 0, end: 0, flags: 0, processor: 0, compressed: false };
  private readonly ev = newEtlEvent();
  private trace: EtlTraceHeader | null = null;
  /** The buffer being walked: bytes, view, next event, end of events, its file offset. */
  private buf: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private stop = 0;
  private bufferOffset = 0;
  private inBuffer = false;
  private scratch = new Uint8Array(0);
  private readonly joiner = new NdisJoiner();
  private readonly order = new TimeOrder();
  private readonly scratchPkt = newRawPacket();
  private notedLate = false;
  private readonly frag = { miniport: 0, lower: 0, size: 0 };
  private readonly ifaces: EtlInterfaces;
  private done = false;
  private failure: CaptureFormatError | null = null;
  private warnedEvent = 0;

  constructor(w: ByteWindow) {
    this.w = w;
    this.etl = { build: 0, logger: '', clock: '', buffers: 0, compressedBuffers: 0, events: 0, pktmonPackets: 0, pktmonDrops: 0, ndisFragments: 0, ndisPackets: 0, otherEvents: 0, eventsLost: 0, buffersLost: 0, components: [] };
    this.info = { path: w.name, format: 'etl', byteOrder: 'le', version: '', interfaces: [], packets: 0, bytesRead: 0, fileSize: w.size, truncated: false, warnings: [], etl: this.etl };
    this.ifaces = new EtlInterfaces(this.info.interfaces, this.etl.components);
    if (!w.ensure(ETL_SNIFF_BYTES) || !isEtlHeader(w.buf, w.view, w.pos, w.end - w.pos)) {
      throw new CaptureFormatError(w.name, 0, 'Cannot read ETL header: the first buffer does not start with a trace header event');
    }
  }

  /**
   * The next packet in time order (see time_order.ts): packets are read into the window until it
   * is full or the trace ends, and the earliest is released. A corrupt buffer ends the input
   * after the packets read before it are released.
   */
  next(pkt: RawPacket): boolean {
    const order = this.order;
    for (;;) {
      if (order.full || ((this.done || this.failure) && order.size > 0)) {
        order.release(pkt, this.meta);
        this.info.packets++;
        return true;
      }
      if (this.failure) throw this.failure;
      if (this.done) {
        this.noteLate();
        return false;
      }
      if (!this.readPacket(this.scratchPkt)) {
        if (!this.done && !this.failure) return false; // a stream waiting for bytes
        continue;
      }
      order.hold(this.scratchPkt, this.meta);
    }
  }

  /** The next packet in file order into `pkt`; false at the end or while a stream waits. */
  private readPacket(pkt: RawPacket): boolean {
    for (;;) {
      if (!this.inBuffer) {
        try {
          if (!this.loadBuffer()) return false;
        } catch (e) {
          if (e === this.failure) return false; // released with what came before, then thrown
          throw e;
        }
      }
      while (this.inBuffer) if (this.nextEvent(pkt)) return true;
    }
  }

  private noteLate(): void {
    if (this.order.late === 0 || this.notedLate) return;
    this.notedLate = true;
    this.warn(`${this.order.late} packets came more than the reorder window after later ones (processors' buffers far apart in the file) and are out of time order`);
  }

  /** Read the next buffer (decompressing it) into `buf`; false at the end of input or while a stream waits. */
  private loadBuffer(): boolean {
    const w = this.w;
    if (!w.ensure(WMI_BUFFER_HEADER_LEN)) return this.end(WMI_BUFFER_HEADER_LEN, 'ETL buffer header');
    const off = w.offset();
    readBufferHeader(w.view, w.pos, this.hdr);
    const h = this.hdr;
    if (h.size < WMI_BUFFER_HEADER_LEN || h.size > MAX_ETL_BUFFER || h.fullSize < WMI_BUFFER_HEADER_LEN || h.fullSize > MAX_ETL_BUFFER) {
      return this.fail(off, `ETL buffer at offset ${off}: size ${h.size} (${h.fullSize} decompressed) is not a buffer size (${hex32(h.size)})`);
    }
    if (!w.ensure(h.size)) return this.end(h.size, 'ETL buffer');
    const p = w.pos;
    this.bufferOffset = off;
    if (h.compressed) {
      if (this.scratch.length < h.fullSize) this.scratch = new Uint8Array(Math.max(h.fullSize, 64 * 1024));
      this.scratch.set(w.buf.subarray(p, p + WMI_BUFFER_HEADER_LEN), 0);
      try {
        decompressPlainLz77(w.buf, p + WMI_BUFFER_HEADER_LEN, p + h.size, this.scratch, WMI_BUFFER_HEADER_LEN, h.fullSize - WMI_BUFFER_HEADER_LEN);
      } catch (e) {
        const at = e instanceof Lz77Error ? w.base + e.inputOffset : off;
        return this.fail(at, `ETL buffer at offset ${off}: compressed data is corrupt at offset ${at}: ${messageOf(e)}`);
      }
      this.buf = this.scratch;
      this.at = WMI_BUFFER_HEADER_LEN;
      this.etl.compressedBuffers++;
    } else {
      this.buf = w.buf;
      this.at = p + WMI_BUFFER_HEADER_LEN;
    }
    const base = this.at - WMI_BUFFER_HEADER_LEN;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.stop = base + Math.min(h.end > WMI_BUFFER_HEADER_LEN ? h.end : h.fullSize, h.fullSize);
    w.pos = p + h.size;
    this.info.bytesRead = w.offset();
    this.etl.buffers++;
    this.inBuffer = true;
    return true;
  }

  /** Walk one event of the current buffer; true when it yielded a packet into `pkt`. */
  private nextEvent(pkt: RawPacket): boolean {
    const ev = this.ev;
    const b = this.buf;
    let ok: boolean;
    try {
      ok = readEvent(b, this.view, this.at, this.stop, ev);
    } catch (e) {
      this.warn(`ETL buffer at offset ${this.bufferOffset}: ${messageOf(e)}; the rest of the buffer is skipped`);
      ok = false;
    }
    if (!ok) {
      this.inBuffer = false;
      return false;
    }
    this.at += (ev.size + 7) & ~7;
    this.etl.events++;
    if (this.trace === null) return this.traceHeader();
    if (ev.providerAt < 0) {
      this.etl.otherEvents++;
      return false;
    }
    if (guidAt(b, ev.providerAt, PKTMON_PROVIDER)) return this.pktmonEvent(pkt);
    if (guidAt(b, ev.providerAt, NDISCAP_PROVIDER)) return this.ndisEvent(pkt);
    this.etl.otherEvents++;
    return false;
  }

  private traceHeader(): false {
    const ev = this.ev;
    const t = ev.headerType;
    if ((t !== TraceHeader.System32 && t !== TraceHeader.System64) || ev.hookId !== 0) {
      this.fail(this.bufferOffset, `ETL buffer at offset ${this.bufferOffset}: the first event is not the trace header`);
      return false;
    }
    try {
      this.trace = parseTraceHeader(this.buf, this.view, ev.dataAt, ev.dataLength, ev.timestamp, t === TraceHeader.System32 ? 4 : 8);
    } catch (e) {
      this.fail(this.bufferOffset, `ETL trace header at offset ${this.bufferOffset + WMI_BUFFER_HEADER_LEN}: ${messageOf(e)}`);
      return false;
    }
    const tr = this.trace;
    this.info.version = `${tr.version} (Windows build ${tr.build})`;
    this.info.section = { os: `Windows build ${tr.build}`, application: tr.loggerName };
    this.etl.build = tr.build;
    this.etl.logger = tr.loggerName;
    this.etl.clock = CLOCK_NAMES[tr.clockType] ?? `clock type ${tr.clockType}`;
    this.etl.eventsLost = tr.eventsLost;
    this.etl.buffersLost = tr.buffersLost;
    if (tr.eventsLost > 0 || tr.buffersLost > 0) {
      this.warn(`the trace lost ${tr.eventsLost} events and ${tr.buffersLost} buffers while it was written (ETW's own count): packets may be missing`);
    }
    return false;
  }

  private pktmonEvent(pkt: RawPacket): boolean {
    const ev = this.ev;
    if (ev.id === PKTMON_COMPONENT) {
      this.component(ev.dataAt, ev.dataLength);
      return false;
    }
    if (ev.id !== PKTMON_PACKET && ev.id !== PKTMON_DROP) {
      this.etl.otherEvents++;
      return false;
    }
    const m = this.meta;
    const data = readPktmonPacket(this.view, ev.dataAt, ev.dataLength, ev.id === PKTMON_DROP, m, this.sizes);
    const logged = this.sizes.logged;
    if (data < 0 || logged > ev.dataAt + ev.dataLength - data) {
      this.warn(`pktmon packet event in the ETL buffer at offset ${this.bufferOffset} is shorter than its fields say; skipped`);
      return false;
    }
    if (m.dropped) this.etl.pktmonDrops++;
    else this.etl.pktmonPackets++;
    const linkType = pktmonLinkType(m.packetType);
    this.fill(pkt, this.buf, data, logged, Math.max(logged, this.sizes.original), linkType, m.component);
    return true;
  }

  private ndisEvent(pkt: RawPacket): boolean {
    const ev = this.ev;
    if (ev.id !== NDISCAP_FRAGMENT) {
      this.etl.otherEvents++;
      return false;
    }
    const f = this.frag;
    const data = readNdisFragment(this.view, ev.dataAt, ev.dataLength, f);
    if (data < 0) {
      this.warn(`netsh packet fragment in the ETL buffer at offset ${this.bufferOffset} is shorter than its fields say; skipped`);
      return false;
    }
    this.etl.ndisFragments++;
    if (!this.joiner.add(this.buf, data, f.size, ev.keywordLo)) return false;
    ndisPacketMeta(this.meta, ev.keywordLo, ev.keywordHi, f.miniport);
    this.etl.ndisPackets++;
    const j = this.joiner;
    this.fill(pkt, j.bytes, 0, j.length, j.length, pktmonLinkType(this.meta.packetType), NDIS_KEY_BASE + f.miniport);
    return true;
  }

  private fill(pkt: RawPacket, data: Uint8Array, offset: number, caplen: number, wirelen: number, linkType: number, componentKey: number): void {
    const tr = this.trace!;
    eventTime(tr, this.ev.timestamp, this.view, this.ev.timestampAt, pkt);
    pkt.data = data;
    pkt.offset = offset;
    pkt.caplen = caplen;
    pkt.wirelen = wirelen;
    pkt.linkType = linkType;
    pkt.interfaceId = this.ifaces.indexFor(componentKey, linkType);
    pkt.fileOffset = this.bufferOffset;
  }

  /** pktmon event 20: a component's id, type, name and description. */
  private component(p: number, n: number): void {
    if (n < 4) return;
    const name = utf16z(this.buf, p + 4, p + n);
    const desc = utf16z(this.buf, name.next, p + n);
    this.ifaces.component(this.view.getUint16(p, true), this.view.getUint16(p + 2, true), name.text, desc.text);
  }

  /** The component record for a pktmon ComponentId, once its rundown event was read. */
  componentOf(id: number): EtlComponent | undefined {
    return this.ifaces.componentOf(id);
  }

  private warn(message: string): void {
    if (this.warnedEvent++ < 20) this.info.warnings.push({ offset: this.bufferOffset, message });
  }

  private end(need: number, what: string): false {
    if (this.w.waiting) return false;
    this.done = true;
    if (this.joiner.pending && this.joiner.length > 0) this.warn('the trace ends inside a netsh packet (no end-of-packet fragment); its fragments are not counted');
    noteEndOfInput(this.w, this.info, need, what);
    return false;
  }

  private fail(offset: number, message: string): false {
    this.failure = new CaptureFormatError(this.w.name, offset, message);
    throw this.failure;
  }

  close(): void {
    this.done = true;
    this.w.close();
  }
}
