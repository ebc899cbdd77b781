/**
 * Builders for capture files the product writers deliberately do not produce: obsolete Packet
 * Blocks, SPBs, ISBs, unknown blocks, big-endian or multiple sections, odd timestamp resolutions,
 * bad versions/lengths, truncated tails. Normal pieces come from the product writers/encoders.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCapture, openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket, type CaptureInfo, type PacketSource } from '../../src/capture/source.js';
import { PcapWriter } from '../../src/capture/pcap_writer.js';
import {
  concatBytes,
  encodeBlock,
  encodeOptions,
  type PcapngOption,
} from '../../src/capture/pcapng_writer.js';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB } from '../../src/capture/pcapng_reader.js';

export { concatBytes, type PcapngOption };

/** "0a 0d 0d 0a ..." → bytes (whitespace ignored). */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** n recognisable bytes: (seed + i) & 0xff. */
export function payload(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i) & 0xff;
  return out;
}

/** Overwrite a u32 in place (e.g. to corrupt a length). Returns the same array. */
export function patchU32(b: Uint8Array, offset: number, value: number, littleEndian = true): Uint8Array {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(offset, value, littleEndian);
  return b;
}

export function patchU16(b: Uint8Array, offset: number, value: number, littleEndian = true): Uint8Array {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(offset, value, littleEndian);
  return b;
}

// ---------- classic pcap ----------

export interface PcapRecord {
  sec: number;
  /** Raw fraction field (µs or ns per the magic); may be out of range on purpose. */
  frac: number;
  data: Uint8Array;
  wirelen?: number;
  /** Value written in the caplen field instead of data.length (data is written unchanged). */
  caplenField?: number;
}

export interface PcapFile {
  nsec?: boolean;
  bigEndian?: boolean;
  version?: readonly [number, number];
  snapLen?: number;
  /** Whole 32-bit link-type field (FCS / reserved bits included). Default 1. */
  linkTypeField?: number;
  records?: readonly PcapRecord[];
}

/** Classic pcap bytes, written by PcapWriter then patched where the test needs oddities. */
export function pcapBytes(f: PcapFile): Uint8Array {
  const le = !f.bigEndian;
  const w = PcapWriter.inMemory({
    linkType: f.linkTypeField ?? 1,
    snapLen: 0xffffffff, // never cut here; the header field is patched below
    nanosecond: f.nsec === true,
    bigEndian: f.bigEndian === true,
  });
  const records = f.records ?? [];
  for (const r of records) w.writePacket(r.sec, 0, r.data, 0, r.data.length, r.wirelen ?? r.data.length);
  const out = w.close();
  patchU32(out, 16, f.snapLen ?? 262144, le);
  if (f.version) {
    patchU16(out, 4, f.version[0], le);
    patchU16(out, 6, f.version[1], le);
  }
  let p = 24;
  for (const r of records) {
    patchU32(out, p + 4, r.frac, le);
    if (r.caplenField !== undefined) patchU32(out, p + 8, r.caplenField, le);
    p += 16 + r.data.length;
  }
  return out;
}

// ---------- pcapng ----------

interface Endian {
  /** Section byte order; default little-endian. */
  le?: boolean;
}

function fixed(n: number, le: boolean, fill: (dv: DataView, le: boolean) => void): Uint8Array {
  const b = new Uint8Array(n);
  fill(new DataView(b.buffer), le);
  return b;
}

/** Option with a u8 value (e.g. if_tsresol). */
export function optU8(code: number, v: number): PcapngOption {
  return [code, Uint8Array.of(v)];
}

/** Option with a 64-bit value (isb counters u64, if_tsoffset i64). */
export function optU64(code: number, v: bigint, le = true): PcapngOption {
  return [code, fixed(8, le, (dv) => dv.setBigInt64(0, BigInt.asIntN(64, v), le))];
}

export const ng = {
  block(type: number, body: Uint8Array, o: Endian = {}): Uint8Array {
    return encodeBlock(type, body, o.le ?? true);
  },

  shb(o: Endian & { major?: number; minor?: number; options?: readonly PcapngOption[] } = {}): Uint8Array {
    const le = o.le ?? true;
    const head = fixed(16, le, (dv) => {
      dv.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, le);
      dv.setUint16(4, o.major ?? 1, le);
      dv.setUint16(6, o.minor ?? 0, le);
      dv.setBigInt64(8, -1n, le);
    });
    return encodeBlock(PCAPNG_SHB, concatBytes([head, encodeOptions(o.options ?? [], le)]), le);
  },

  idb(o: Endian & { linkType?: number; snapLen?: number; options?: readonly PcapngOption[] } = {}): Uint8Array {
    const le = o.le ?? true;
    const head = fixed(8, le, (dv) => {
      dv.setUint16(0, o.linkType ?? 1, le);
      dv.setUint32(4, o.snapLen ?? 0, le);
    });
    return encodeBlock(1, concatBytes([head, encodeOptions(o.options ?? [], le)]), le);
  },

  /** Enhanced Packet Block; ts = hi·2^32 + lo units of the interface's resolution. */
  epb(
    o: Endian & { iface?: number; hi?: number; lo?: number; data: Uint8Array; wirelen?: number; caplenField?: number },
  ): Uint8Array {
    const le = o.le ?? true;
    const head = fixed(20, le, (dv) => {
      dv.setUint32(0, o.iface ?? 0, le);
      dv.setUint32(4, o.hi ?? 0, le);
      dv.setUint32(8, o.lo ?? 0, le);
      dv.setUint32(12, o.caplenField ?? o.data.length, le);
      dv.setUint32(16, o.wirelen ?? o.data.length, le);
    });
    return encodeBlock(6, concatBytes([head, o.data]), le);
  },

  /** Obsolete Packet Block (type 2): 16-bit interface id and drop count. */
  pb(o: Endian & { iface?: number; drops?: number; hi?: number; lo?: number; data: Uint8Array; wirelen?: number }): Uint8Array {
    const le = o.le ?? true;
    const head = fixed(20, le, (dv) => {
      dv.setUint16(0, o.iface ?? 0, le);
      dv.setUint16(2, o.drops ?? 0, le);
      dv.setUint32(4, o.hi ?? 0, le);
      dv.setUint32(8, o.lo ?? 0, le);
      dv.setUint32(12, o.data.length, le);
      dv.setUint32(16, o.wirelen ?? o.data.length, le);
    });
    return encodeBlock(2, concatBytes([head, o.data]), le);
  },

  /** Simple Packet Block: only the original length; the reader derives caplen. */
  spb(o: Endian & { wirelen: number; data: Uint8Array }): Uint8Array {
    const le = o.le ?? true;
    const head = fixed(4, le, (dv) => dv.setUint32(0, o.wirelen, le));
    return encodeBlock(3, concatBytes([head, o.data]), le);
  },

  /** Interface Statistics Block with isb_ifrecv(4) / isb_ifdrop(5) / isb_osdrop(7). */
  isb(o: Endian & { iface?: number; ifRecv?: bigint; ifDrop?: bigint; osDrop?: bigint }): Uint8Array {
    const le = o.le ?? true;
    const opts: PcapngOption[] = [];
    if (o.ifRecv !== undefined) opts.push(optU64(4, o.ifRecv, le));
    if (o.ifDrop !== undefined) opts.push(optU64(5, o.ifDrop, le));
    if (o.osDrop !== undefined) opts.push(optU64(7, o.osDrop, le));
    const head = fixed(12, le, (dv) => dv.setUint32(0, o.iface ?? 0, le));
    return encodeBlock(5, concatBytes([head, encodeOptions(opts, le)]), le);
  },
};

/** Concatenate blocks into one file. */
export function pcapng(...blocks: Uint8Array[]): Uint8Array {
  return concatBytes(blocks);
}

/** Hex dump in `tcpdump -X`-like rows of 16 bytes (for comments and failure messages). */
export function hexdump(b: Uint8Array): string {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const row = Array.from(b.subarray(i, i + 16), (x) => x.toString(16).padStart(2, '0'));
    rows.push(`0x${i.toString(16).padStart(4, '0')}: ${row.join(' ')}`);
  }
  return rows.join('\n');
}

// ---------- reading helpers for tests ----------

/** A RawPacket copied out of the reader's buffer. */
export interface PacketCopy {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linkType: number;
  interfaceId: number;
  fileOffset: number;
  bytes: Uint8Array;
}

/** Everything a source yields until it ends or throws (`error` is what it threw, if anything). */
export interface ReadResult {
  packets: PacketCopy[];
  info: CaptureInfo;
  error: unknown;
}

/**
 * A read as one digest (every packet's fields and bytes, the info, the error's text): comparing
 * digests is cheap where a deep comparison of thousands of packets is not, so tests compare
 * digests first and the reads themselves only on a mismatch (to show the difference).
 */
export function readDigest(r: ReadResult): string {
  const h = createHash('sha256');
  for (const p of r.packets) {
    h.update(`${p.tsSec} ${p.tsNsec} ${p.caplen} ${p.wirelen} ${p.linkType} ${p.interfaceId} ${p.fileOffset}|`);
    h.update(p.bytes);
  }
  h.update(JSON.stringify(r.info ?? null));
  h.update(String(r.error));
  return h.digest('hex');
}

export function drain(src: PacketSource): ReadResult {
  const pkt = newRawPacket();
  const packets: PacketCopy[] = [];
  let error: unknown = undefined;
  try {
    while (src.next(pkt)) {
      packets.push({
        tsSec: pkt.tsSec,
        tsNsec: pkt.tsNsec,
        caplen: pkt.caplen,
        wirelen: pkt.wirelen,
        linkType: pkt.linkType,
        interfaceId: pkt.interfaceId,
        fileOffset: pkt.fileOffset,
        bytes: pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen),
      });
    }
  } catch (e) {
    error = e;
  } finally {
    src.close();
  }
  return { packets, info: src.info, error };
}

let tmpDir: string | undefined;

/** Write bytes to a fresh temporary file and return its path. */
export function tempFile(bytes: Uint8Array, name = 'capture.bin'): string {
  tmpDir ??= mkdtempSync(join(tmpdir(), 'flowaudit-capture-'));
  const path = join(tmpDir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`);
  writeFileSync(path, bytes);
  return path;
}

/** Temporary path for a writer's output. */
export function tempPath(name: string): string {
  tmpDir ??= mkdtempSync(join(tmpdir(), 'flowaudit-capture-'));
  return join(tmpDir, `${Date.now()}-${Math.random().toString(36).slice(2)}-${name}`);
}

/**
 * Read the same bytes three ways: from memory, from a file with a 64-byte chunk (records
 * straddle refills, large ones grow the buffer) and from a file with the default chunk.
 */
export function readAllWays(bytes: Uint8Array, name = 'x.pcap'): ReadResult[] {
  const path = tempFile(bytes, name);
  const open = (f: () => PacketSource): ReadResult => {
    try {
      return drain(f());
    } catch (e) {
      return { packets: [], info: undefined as unknown as CaptureInfo, error: e };
    }
  };
  return [
    open(() => openCaptureBytes(bytes, path)),
    open(() => openCapture(path, { chunkSize: 64 })),
    open(() => openCapture(path)),
  ];
}
