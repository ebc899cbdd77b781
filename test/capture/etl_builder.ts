/**
 * Builds small ETL files to the documented layouts (see src/capture/etl/etl_format.ts,
 * etl_clock.ts and packet_events.ts): a first buffer with the TRACE_LOGFILE_HEADER SYSTEM event,
 * then buffers of EVENT_HEADER events of the PktMon and NDIS-PacketCapture providers, plain or
 * compressed. "Compressed" here is a valid [MS-XCA] Plain LZ77 stream made of literals only
 * (a flag word of zeros before every 32 bytes), which exercises the reader's compressed path.
 */
import { guidBytes } from '../../src/capture/etl/etl_format.js';

const PKTMON = guidBytes('4d4f80d9-c8bd-4d73-bb5b-19c90402c5ac');
const NDISCAP = guidBytes('2ed6006e-4729-4609-b423-3ee7bcd678ef');
const OTHER = guidBytes('9b79ee91-b5fd-41c0-a243-4248e266e9d0');

/** QPC ticks at the trace start, the frequency (10 MHz) and the start as a FILETIME. */
export const START_TICKS = 1_000_000_000;
export const FREQ = 10_000_000;
/** 2024-06-10T20:18:35Z as Unix seconds. */
export const START_UNIX = 1718050715;
/** The start as a FILETIME (100 ns since 1601): the stamps of a trace on the system-time clock (type 2). */
export const START_FT = BigInt(START_UNIX) * 10_000_000n + 116444736000000000n;

function u16(n: number): number[] {
  return [n & 255, (n >>> 8) & 255];
}
function u32(n: number): number[] {
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255];
}
function u64(n: bigint | number): number[] {
  const b = BigInt(n);
  return [...u32(Number(b & 0xffffffffn)), ...u32(Number(b >> 32n))];
}
function utf16z(s: string): number[] {
  return [...Buffer.from(`${s}\0`, 'utf16le')];
}
function pad8(a: number[]): number[] {
  while (a.length % 8 !== 0) a.push(0);
  return a;
}

/** One EVENT_HEADER (64-bit) event of `provider` with id, keyword and user data, stamped `ticks`. */
export function eventHeaderEvent(provider: 'pktmon' | 'ndiscap' | 'other', id: number, keyword: bigint, ticks: number | bigint, data: number[]): number[] {
  const g = provider === 'pktmon' ? PKTMON : provider === 'ndiscap' ? NDISCAP : OTHER;
  const size = 80 + data.length;
  const h = [...u16(size), 0x13, 0xc0, ...u16(0), ...u16(0), ...u32(4), ...u32(8), ...u64(ticks), ...g, ...u16(id), 0, 0, 4, 0, ...u16(0), ...u64(keyword), ...u64(0), ...new Array(16).fill(0)];
  return pad8([...h, ...data]);
}

export interface PktmonPacket {
  group: number;
  number?: number;
  appearance?: number;
  direction?: number;
  packetType?: number;
  component: number;
  drop?: { reason: number; location: number };
  original?: number;
  payload: Uint8Array;
  /** µs after the start. */
  us: number;
}

export function pktmonPacketEvent(p: PktmonPacket): number[] {
  const data = [
    ...u64(p.group),
    ...u16(p.number ?? 1),
    ...u16(p.appearance ?? 1),
    ...u16(p.direction ?? 3),
    ...u16(p.packetType ?? 1),
    ...u16(p.component),
    ...u16(1),
    ...u16(0),
    ...u32(p.drop?.reason ?? 0),
    ...u32(p.drop?.location ?? 0),
    ...u16(p.original ?? p.payload.length),
    ...u16(p.payload.length),
    ...p.payload,
  ];
  return eventHeaderEvent('pktmon', p.drop ? 170 : 160, 0x10n, START_TICKS + p.us * 10, data);
}

export function pktmonComponentEvent(id: number, type: number, name: string, description: string): number[] {
  return eventHeaderEvent('pktmon', 20, 2n, START_TICKS, [...u16(id), ...u16(type), ...utf16z(name), ...utf16z(description)]);
}

/** netsh fragment (event 1001): keyword bits for start/end, send/receive, 802.11 or raw IP. */
export function ndisFragmentEvent(f: { miniport: number; start: boolean; end: boolean; send: boolean; wifi?: boolean; rawIp?: boolean; bytes: Uint8Array; us: number }): number[] {
  let kw = 0n;
  if (f.start) kw |= 0x40000000n;
  if (f.end) kw |= 0x80000000n;
  kw |= f.send ? 0x100000000n : 0x200000000n;
  if (f.wifi) kw |= 0x10000n;
  if (f.rawIp) kw |= 0x200n;
  return eventHeaderEvent('ndiscap', 1001, kw, START_TICKS + f.us * 10, [...u32(f.miniport), ...u32(f.miniport + 100), ...u32(f.bytes.length), ...f.bytes]);
}

function bufferHeader(sizeOnDisk: number, fullSize: number, end: number, compressed: boolean): number[] {
  const h = new Array(72).fill(0);
  h.splice(0, 4, ...u32(sizeOnDisk));
  h.splice(4, 4, ...u32(fullSize));
  h.splice(8, 4, ...u32(end));
  h.splice(0x30, 4, ...u32(end));
  h.splice(0x34, 2, ...u16(compressed ? 0x61 : 0x01));
  return h;
}

/** Literal-only Plain LZ77: a zero flag word before each run of 32 bytes. */
export function literalLz77(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(0, 0, 0, 0, ...bytes.slice(i, i + 32));
  return out;
}

function traceHeaderBuffer(clockType = 1): number[] {
  const tail = (56 + 16 + 172 + 7) & ~7; // pointer size 8
  const p = new Array(tail + 32).fill(0);
  p.splice(0, 4, ...u32(65536));
  p.splice(4, 4, ...u32(0x0002000a)); // 10.0.2.0
  p.splice(8, 4, ...u32(20348));
  p.splice(12, 4, ...u32(2));
  p.splice(44, 4, ...u32(8));
  p.splice(tail + 8, 8, ...u64(FREQ));
  p.splice(tail + 16, 8, ...u64(START_FT));
  p.splice(tail + 24, 4, ...u32(clockType));
  const payload = [...p, ...utf16z('PktMon'), ...utf16z('C:\\trace.etl')];
  const size = 32 + payload.length;
  const ev = pad8([2, 0, 2, 0xc0, ...u16(size), ...u16(0), ...u32(1), ...u32(2), ...u64(clockType === 2 ? START_FT : BigInt(START_TICKS)), ...u64(0), ...payload]);
  const end = 72 + ev.length;
  return [...bufferHeader(end, end, end, false), ...ev];
}

/** A whole ETL file: the header buffer (clock type 1 QPC by default), then one buffer per list of events. */
export function buildEtl(buffers: { events: number[][]; compressed?: boolean }[], clockType = 1): Uint8Array {
  const out = [...traceHeaderBuffer(clockType)];
  for (const b of buffers) {
    const body = b.events.flat();
    const full = 72 + body.length;
    if (b.compressed) {
      const packed = literalLz77(body);
      out.push(...bufferHeader(72 + packed.length, full, full, true), ...packed);
    } else {
      // Plain buffers carry 0xFF padding after the events, as Windows writes them.
      out.push(...bufferHeader(full + 16, full + 16, full, false), ...body, ...new Array(16).fill(0xff));
    }
  }
  return Uint8Array.from(out);
}
