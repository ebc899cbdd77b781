/**
 * pcapng writer: one little-endian section (SHB with shb_userappl and optional shb_hardware /
 * shb_os), IDBs added on demand (if_name, if_description, if_filter, if_tsresol), one EPB per
 * packet. Streams to a file (buffered `fs.writeSync` in big chunks) or collects in memory.
 *
 * `encodeBlock` / `encodeOptions` are exported for test builders of unusual files.
 */
import { parseAddressWords } from '../ip_text.js';
import { ByteSink } from './byte_sink.js';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB } from './pcapng_reader.js';

const EPB = 6;
const IDB = 1;
const TWO32 = 4294967296;

export interface PcapngWriterOptions {
  /** shb_userappl (option 4). Default "flowaudit". */
  userAppl?: string;
  /** shb_hardware (option 2). */
  hardware?: string;
  /** shb_os (option 3). */
  os?: string;
  /** Output buffer size (default 1 MiB). */
  chunkSize?: number;
}

export interface PcapngInterfaceOptions {
  /** LINKTYPE_* value. */
  linkType: number;
  /** Longest packet kept (longer ones are cut, wirelen stays); 0 = no limit. Default 262144. */
  snapLen?: number;
  name?: string;
  description?: string;
  /** Capture filter (libpcap syntax), written as if_filter type 0. */
  filter?: string;
  /** Timestamp resolution (if_tsresol 6 or 9). Default 'us'. */
  tsResolution?: 'us' | 'ns';
  /** The interface's own addresses with their prefix length (if_IPv4addr / if_IPv6addr). */
  addresses?: { address: string; prefix: number }[];
}

/** A pcapng option: code and value (strings are written as UTF-8). */
export type PcapngOption = readonly [code: number, value: Uint8Array | string];

const encoder = new TextEncoder();

/** Options list with its opt_endofopt terminator (empty list → no bytes). */
export function encodeOptions(options: readonly PcapngOption[], littleEndian = true): Uint8Array {
  if (options.length === 0) return new Uint8Array(0);
  const values = options.map(([, v]) => (typeof v === 'string' ? encoder.encode(v) : v));
  let len = 4;
  for (const v of values) len += 4 + ((v.length + 3) & ~3);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  let p = 0;
  options.forEach(([code], i) => {
    const v = values[i] ?? new Uint8Array(0);
    dv.setUint16(p, code, littleEndian);
    dv.setUint16(p + 2, v.length, littleEndian);
    out.set(v, p + 4);
    p += 4 + ((v.length + 3) & ~3);
  });
  return out; // the last 4 bytes stay zero: opt_endofopt
}

/** A whole block: type · total length · body (zero-padded to 4) · total length. */
export function encodeBlock(type: number, body: Uint8Array, littleEndian = true): Uint8Array {
  const len = 12 + ((body.length + 3) & ~3);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, type, littleEndian);
  dv.setUint32(4, len, littleEndian);
  out.set(body, 8);
  dv.setUint32(len - 4, len, littleEndian);
  return out;
}

/** Concatenate byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// Scratch outputs of splitUnits.
let tsHi = 0;
let tsLo = 0;

/**
 * tsSec·unitsPerSec + fraction as (tsHi, tsLo) 32-bit halves, exactly, without BigInt:
 * seconds are split in base 2^16 so every product stays below 2^53.
 */
function splitUnits(tsSec: number, tsNsec: number, unitsPerSec: number): void {
  const frac = unitsPerSec === 1e9 ? tsNsec : Math.floor(tsNsec / (1e9 / unitsPerSec));
  const sHi = Math.floor(tsSec / 65536);
  const sLo = tsSec - sHi * 65536;
  const t2 = sHi * unitsPerSec;
  const low = (t2 % 65536) * 65536 + sLo * unitsPerSec + frac;
  tsHi = Math.floor(t2 / 65536) + Math.floor(low / TWO32);
  tsLo = low % TWO32;
}

export class PcapngWriter {
  private readonly sink: ByteSink;
  private readonly snapLens: number[] = [];
  private readonly units: number[] = [];
  private count = 0;

  /** Write to `path` (created or truncated). */
  static toFile(path: string, opts: PcapngWriterOptions = {}): PcapngWriter {
    return new PcapngWriter(path, opts);
  }

  /** Collect the file in memory; `close()` returns its bytes. */
  static inMemory(opts: PcapngWriterOptions = {}): PcapngWriter {
    return new PcapngWriter(null, opts);
  }

  private constructor(path: string | null, opts: PcapngWriterOptions) {
    this.sink = new ByteSink(path, opts.chunkSize);
    const options: PcapngOption[] = [];
    if (opts.hardware !== undefined) options.push([2, opts.hardware]);
    if (opts.os !== undefined) options.push([3, opts.os]);
    options.push([4, opts.userAppl ?? 'flowaudit']);
    const fixed = new Uint8Array(16);
    const dv = new DataView(fixed.buffer);
    dv.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, true);
    dv.setUint16(4, 1, true); // version 1.0
    dv.setUint16(6, 0, true);
    dv.setInt32(8, -1, true); // section length unknown (-1 as i64)
    dv.setInt32(12, -1, true);
    this.sink.bytes(encodeBlock(PCAPNG_SHB, concatBytes([fixed, encodeOptions(options)])));
  }

  get packets(): number {
    return this.count;
  }

  get bytesWritten(): number {
    return this.sink.bytesWritten;
  }

  /** Write an Interface Description Block; returns its interface id (0, 1, ...). */
  addInterface(iface: PcapngInterfaceOptions): number {
    const snapLen = iface.snapLen ?? 262144;
    const ns = iface.tsResolution === 'ns';
    const options: PcapngOption[] = [];
    if (iface.name !== undefined) options.push([2, iface.name]);
    if (iface.description !== undefined) options.push([3, iface.description]);
    options.push([9, Uint8Array.of(ns ? 9 : 6)]);
    if (iface.filter !== undefined) options.push([11, concatBytes([Uint8Array.of(0), encoder.encode(iface.filter)])]);
    for (const a of iface.addresses ?? []) {
      const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a.address);
      if (v4) {
        const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
        options.push([4, Uint8Array.of(...v4.slice(1).map(Number), mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255)]);
      } else if (a.address.includes(':')) {
        const w = new Uint32Array(4);
        if (parseAddressWords(a.address, w)) options.push([5, Uint8Array.of(...[...w].flatMap((x) => [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255]), a.prefix)]);
      }
    }
    const fixed = new Uint8Array(8);
    const dv = new DataView(fixed.buffer);
    dv.setUint16(0, iface.linkType, true);
    dv.setUint32(4, snapLen, true);
    this.sink.bytes(encodeBlock(IDB, concatBytes([fixed, encodeOptions(options)])));
    this.snapLens.push(snapLen === 0 ? Infinity : snapLen);
    this.units.push(ns ? 1e9 : 1e6);
    return this.snapLens.length - 1;
  }

  /**
   * Append one Enhanced Packet Block. `bytes[offset, offset+length)` is the packet (cut to the
   * interface's snapLen); `wirelen` defaults to `length`. tsSec ≥ 0, 0 ≤ tsNsec < 1e9.
   * `options`: the EPB's options, already encoded with encodeOptions (comments, epb_flags).
   */
  writePacket(
    interfaceId: number,
    tsSec: number,
    tsNsec: number,
    bytes: Uint8Array,
    offset = 0,
    length = bytes.length - offset,
    wirelen = length,
    options: Uint8Array | null = null,
  ): void {
    const snap = this.snapLens[interfaceId];
    const units = this.units[interfaceId];
    if (snap === undefined || units === undefined) {
      throw new RangeError(`pcapng writer: no interface ${interfaceId} (add it with addInterface first)`);
    }
    if (!(tsSec >= 0 && Number.isSafeInteger(tsSec)) || !(tsNsec >= 0 && tsNsec < 1e9)) {
      throw new RangeError(`pcapng timestamp out of range: ${tsSec}.${tsNsec}`);
    }
    const caplen = Math.min(length, snap);
    const padded = (caplen + 3) & ~3;
    const blockLen = 32 + padded + (options?.length ?? 0);
    const s = this.sink;
    s.reserve(blockLen);
    const v = s.view;
    const p = s.len;
    splitUnits(tsSec, tsNsec, units);
    v.setUint32(p, EPB, true);
    v.setUint32(p + 4, blockLen, true);
    v.setUint32(p + 8, interfaceId, true);
    v.setUint32(p + 12, tsHi, true);
    v.setUint32(p + 16, tsLo, true);
    v.setUint32(p + 20, caplen, true);
    v.setUint32(p + 24, wirelen, true);
    s.buf.set(bytes.subarray(offset, offset + caplen), p + 28);
    s.buf.fill(0, p + 28 + caplen, p + 28 + padded); // padding (the buffer is reused)
    if (options !== null) s.buf.set(options, p + 28 + padded);
    v.setUint32(p + blockLen - 4, blockLen, true);
    s.len = p + blockLen;
    this.count++;
  }

  /** Flush and close. In memory mode returns the whole file, in file mode an empty array. */
  close(): Uint8Array {
    return this.sink.close();
  }
}
