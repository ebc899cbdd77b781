/**
 * ETW trace file (ETL) layouts, from the public Windows SDK headers (evntrace.h, evntcons.h) and
 * Geoff Chappell's notes on WMI_BUFFER_HEADER and the trace header types:
 *
 * A file is a sequence of buffers. Each starts with a 72-byte WMI_BUFFER_HEADER:
 *   0x00 u32 BufferSize (bytes on disk) · 0x04 u32 SavedOffset (compressed buffers: the size
 *   once decompressed, header included) · 0x08 u32 CurrentOffset · 0x10 i64 TimeStamp ·
 *   0x28 u8 ProcessorNumber · 0x2A u16 LoggerId · 0x2C u32 State · 0x30 u32 Offset (end of the
 *   events) · 0x34 u16 BufferFlag (0x40: compressed) · 0x36 u16 BufferType.
 * Events follow, each 8-byte aligned; 0xFFFFFFFF fills the rest. The byte at +2 of every event
 * is its header type and the byte at +3 has the two top bits set (0xC0):
 *   SYSTEM32/64 (1/2, 32 bytes), COMPACT32/64 (3/4, 24), PERFINFO32/64 (0x10/0x11, 16): size u16 at +4;
 *   FULL_HEADER32/64 (0x0A/0x14, 48), INSTANCE32/64 (0x0B/0x15, 72), EVENT_HEADER32/64 (0x12/0x13, 80):
 *   size u16 at +0.
 * EVENT_HEADER (manifest providers): +4 u16 Flags (0x01 extended items follow the header) ·
 * +16 i64 TimeStamp · +24 GUID ProviderId · +40 EVENT_DESCRIPTOR (u16 Id, u8 Version, u8 Channel,
 * u8 Level, u8 Opcode, u16 Task, u64 Keyword) · +64 ProcessorTime · +72 GUID ActivityId.
 * Extended items: u16 reserved, u16 ExtType, u16 (bit 0: another follows), u16 DataSize, data,
 * each 8-byte aligned.
 * The first buffer holds the trace's TRACE_LOGFILE_HEADER as a SYSTEM event (group 0, type 0).
 */

export const WMI_BUFFER_HEADER_LEN = 72;
export const BUFFER_FLAG_COMPRESSED = 0x40;
/** A buffer larger than this is treated as corruption (ETW's largest buffer is 16 MiB). */
export const MAX_ETL_BUFFER = 64 << 20;

export const enum TraceHeader {
  System32 = 0x01,
  System64 = 0x02,
  Compact32 = 0x03,
  Compact64 = 0x04,
  Full32 = 0x0a,
  Instance32 = 0x0b,
  Timed = 0x0c,
  Error = 0x0d,
  Wnode = 0x0e,
  Message = 0x0f,
  PerfInfo32 = 0x10,
  PerfInfo64 = 0x11,
  Event32 = 0x12,
  Event64 = 0x13,
  Full64 = 0x14,
  Instance64 = 0x15,
}

export interface EtlBufferHeader {
  /** Bytes on disk, header included. */
  size: number;
  /** Bytes once decompressed, header included (equals `size` for a plain buffer). */
  fullSize: number;
  /** End of the events (relative to the buffer start). */
  end: number;
  flags: number;
  processor: number;
  compressed: boolean;
}

export function readBufferHeader(v: DataView, p: number, out: EtlBufferHeader): void {
  out.size = v.getUint32(p, true);
  out.flags = v.getUint16(p + 0x34, true);
  out.compressed = (out.flags & BUFFER_FLAG_COMPRESSED) !== 0;
  out.fullSize = out.compressed ? v.getUint32(p + 4, true) : out.size;
  out.end = v.getUint32(p + 0x30, true);
  out.processor = v.getUint8(p + 0x28);
}

/** One event's framing, filled by readEvent (reused). */
export interface EtlEvent {
  headerType: number;
  /** Event bytes, header included (the walk advances by this, rounded up to 8). */
  size: number;
  /** Raw timestamp in the trace's clock (see etl_clock.ts); exact below 2^53 (QPC, cycles). */
  timestamp: number;
  /** Where the 64-bit timestamp is in the buffer (-1: none), for clocks past 2^53 (FILETIME). */
  timestampAt: number;
  /** EVENT_HEADER events: provider GUID offset in the buffer, id, version, keyword halves. */
  providerAt: number;
  id: number;
  version: number;
  keywordLo: number;
  keywordHi: number;
  /** SYSTEM events: the hook id (group << 8 | type). */
  hookId: number;
  /** User data: offset in the buffer and length. */
  dataAt: number;
  dataLength: number;
}

export function newEtlEvent(): EtlEvent {
  return { headerType: 0, size: 0, timestamp: 0, timestampAt: -1, providerAt: -1, id: 0, version: 0, keywordLo: 0, keywordHi: 0, hookId: 0, dataAt: 0, dataLength: 0 };
}

/** Where a header type keeps its size (u16 at +0 or +4), its length, and its timestamp (-1: none); with a name. */
interface HeaderShape {
  name: string;
  sizeAt: 0 | 4;
  length: number;
  tsAt: number;
}

const HEADER_SHAPES = new Map<number, HeaderShape>([
  [TraceHeader.System32, { name: 'SYSTEM32', sizeAt: 4, length: 32, tsAt: 16 }],
  [TraceHeader.System64, { name: 'SYSTEM64', sizeAt: 4, length: 32, tsAt: 16 }],
  [TraceHeader.Compact32, { name: 'COMPACT32', sizeAt: 4, length: 24, tsAt: 16 }],
  [TraceHeader.Compact64, { name: 'COMPACT64', sizeAt: 4, length: 24, tsAt: 16 }],
  [TraceHeader.PerfInfo32, { name: 'PERFINFO32', sizeAt: 4, length: 16, tsAt: 8 }],
  [TraceHeader.PerfInfo64, { name: 'PERFINFO64', sizeAt: 4, length: 16, tsAt: 8 }],
  [TraceHeader.Full32, { name: 'FULL_HEADER32', sizeAt: 0, length: 48, tsAt: 16 }],
  [TraceHeader.Full64, { name: 'FULL_HEADER64', sizeAt: 0, length: 48, tsAt: 16 }],
  [TraceHeader.Instance32, { name: 'INSTANCE32', sizeAt: 0, length: 72, tsAt: 16 }],
  [TraceHeader.Instance64, { name: 'INSTANCE64', sizeAt: 0, length: 72, tsAt: 16 }],
  [TraceHeader.Event32, { name: 'EVENT_HEADER32', sizeAt: 0, length: 80, tsAt: 16 }],
  [TraceHeader.Event64, { name: 'EVENT_HEADER64', sizeAt: 0, length: 80, tsAt: 16 }],
]);
/** Any other type: only its size (u16 at +0) is known; the event is skipped. */
const UNKNOWN_SHAPE: HeaderShape = { name: 'unknown', sizeAt: 0, length: 8, tsAt: -1 };

/** The name of a trace header type (e.g. EVENT_HEADER64), or its hex value. */
export function headerTypeName(type: number): string {
  return HEADER_SHAPES.get(type)?.name ?? `0x${type.toString(16)}`;
}

/**
 * Read the event at `p` (buffer end `end`) into `ev`. Returns false when no event starts here
 * (padding, or a header that does not fit): the rest of the buffer is then skipped. Throws a
 * plain Error naming the problem for a header whose size is impossible.
 */
export function readEvent(b: Uint8Array, v: DataView, p: number, end: number, ev: EtlEvent): boolean {
  if (end - p < 8) return false;
  if (v.getUint32(p, true) === 0xffffffff) return false;
  const type = b[p + 2]!;
  const shape = HEADER_SHAPES.get(type) ?? UNKNOWN_SHAPE;
  ev.headerType = type;
  ev.size = v.getUint16(p + shape.sizeAt, true);
  ev.hookId = shape.sizeAt === 4 ? v.getUint16(p + 6, true) : 0;
  ev.providerAt = -1;
  ev.id = 0;
  ev.version = 0;
  ev.keywordLo = 0;
  ev.keywordHi = 0;
  if (ev.size < shape.length || p + ev.size > end) {
    throw new Error(`event of header type ${headerTypeName(type)} at buffer offset ${p} has size ${ev.size} (header ${shape.length}, ${end - p} bytes left in the buffer)`);
  }
  ev.timestampAt = shape.tsAt >= 0 ? p + shape.tsAt : -1;
  ev.timestamp = shape.tsAt >= 0 ? Number(v.getBigInt64(p + shape.tsAt, true)) : 0;
  let data = p + shape.length;
  if (type === TraceHeader.Event32 || type === TraceHeader.Event64) {
    ev.providerAt = p + 24;
    ev.id = v.getUint16(p + 40, true);
    ev.version = b[p + 42]!;
    ev.keywordLo = v.getUint32(p + 48, true);
    ev.keywordHi = v.getUint32(p + 52, true);
    if ((v.getUint16(p + 4, true) & 1) !== 0) data = skipExtendedItems(v, data, p + ev.size);
  }
  ev.dataAt = data;
  ev.dataLength = p + ev.size - data;
  return true;
}

/** Walk EVENT_HEADER extended items (8-byte header, 8-byte aligned, bit 0 of +4 = more follow). */
function skipExtendedItems(v: DataView, q: number, end: number): number {
  for (let i = 0; i < 64; i++) {
    if (q + 8 > end) throw new Error(`extended data item at buffer offset ${q} passes the end of its event`);
    const more = (v.getUint16(q + 4, true) & 1) !== 0;
    const size = v.getUint16(q + 6, true);
    q += 8 + ((size + 7) & ~7);
    if (!more) return Math.min(q, end);
  }
  throw new Error(`more than 64 extended data items at buffer offset ${q}`);
}

/** True when the 16 bytes at `at` are the GUID `g` (in its on-disk byte order). */
export function guidAt(b: Uint8Array, at: number, g: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (b[at + i] !== g[i]) return false;
  return true;
}

/** A GUID's 16 bytes as stored (Data1-3 little-endian, Data4 as is) from its text form. */
export function guidBytes(text: string): Uint8Array {
  const h = text.replace(/[{}-]/g, '');
  const out = new Uint8Array(16);
  const le = (s: string, at: number, n: number): void => {
    for (let i = 0; i < n; i++) out[at + i] = parseInt(s.slice((n - 1 - i) * 2, (n - i) * 2), 16);
  };
  le(h.slice(0, 8), 0, 4);
  le(h.slice(8, 12), 4, 2);
  le(h.slice(12, 16), 6, 2);
  for (let i = 0; i < 8; i++) out[8 + i] = parseInt(h.slice(16 + i * 2, 18 + i * 2), 16);
  return out;
}

export const PKTMON_PROVIDER = guidBytes('4d4f80d9-c8bd-4d73-bb5b-19c90402c5ac');
export const NDISCAP_PROVIDER = guidBytes('2ed6006e-4729-4609-b423-3ee7bcd678ef');

/** UTF-16LE NUL-terminated string at `p` (before `end`); returns the text and the offset after the NUL. */
export function utf16z(b: Uint8Array, p: number, end: number): { text: string; next: number } {
  let q = p;
  while (q + 1 < end && (b[q] !== 0 || b[q + 1] !== 0)) q += 2;
  const text = Buffer.from(b.buffer, b.byteOffset + p, q - p).toString('utf16le');
  return { text, next: Math.min(q + 2, end) };
}
