/**
 * pcapng reader (draft-ietf-opsawg-pcapng). Every block: type u32 · length u32 · body · length u32,
 * in the byte order of its section (set by the Section Header Block's byte-order magic).
 *
 * Blocks handled: SHB (0x0A0D0D0A, starts a section: new byte order, interface table reset),
 * IDB (1), obsolete Packet Block (2), SPB (3), ISB (5), EPB (6). Others are skipped by length.
 * `RawPacket.interfaceId` is the IDB index within the current section; `info.interfaces` keeps
 * every interface of every section.
 */
import { formatAddress } from '../ip_text.js';
import { CaptureFormatError } from '../errors.js';
import type { CaptureInfo, InterfaceInfo, PacketSource, RawPacket } from './source.js';
import { ByteWindow, MAX_CAPLEN, hex32, noteEndOfInput } from './chunked_file.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const IDB = 1;
const PB = 2;
const SPB = 3;
const ISB = 5;
const EPB = 6;

/** Largest block we load into memory (Wireshark's limit too); bigger unknown blocks are skipped. */
const MAX_BLOCK_LEN = 16 * 1024 * 1024;
const SHB_MIN_LEN = 28;

const TWO32 = 4294967296;

/** Timestamp conversion modes of an interface. */
const TS_DEC = 0; // 10^-k, k ≤ 9: plain-number arithmetic, exact
const TS_BIN = 1; // 2^-n, n ≤ 23: plain-number arithmetic, exact
const TS_BIG = 2; // anything else: BigInt

/** Per-section interface state, for a quick interfaceId → linkType/timestamp lookup. */
interface IfaceState {
  linkType: number;
  snapLen: number;
  maxCaplen: number;
  tsMode: number;
  /** Units per second as a number (TS_DEC/TS_BIN) ... */
  unitsPerSec: number;
  /** ... nanoseconds per unit (TS_DEC only) ... */
  nsPerUnit: number;
  /** ... and as a BigInt (TS_BIG). */
  unitsBig: bigint;
  offsetSec: number;
  info: InterfaceInfo;
}

// Scratch results of divUnits (module-level to avoid allocating per packet).
let qSec = 0;
let qRem = 0;

/**
 * (hi·2^32 + lo) / u → qSec, remainder qRem, exactly, for u ≤ 2^30, with plain numbers:
 * long division in base 2^16 keeps every intermediate below 2^46.
 */
function divUnits(hi: number, lo: number, u: number): void {
  if (hi < 0x200000) {
    // value < 2^53: one division, then fix a possible off-by-one from float rounding.
    const units = hi * TWO32 + lo;
    let s = Math.floor(units / u);
    let r = units - s * u;
    if (r < 0) {
      s--;
      r += u;
    } else if (r >= u) {
      s++;
      r -= u;
    }
    qSec = s;
    qRem = r;
    return;
  }
  const q1 = Math.floor(hi / u);
  let r = hi - q1 * u;
  let acc = r * 65536 + (lo >>> 16);
  const q2 = Math.floor(acc / u);
  r = acc - q2 * u;
  acc = r * 65536 + (lo & 0xffff);
  const q3 = Math.floor(acc / u);
  qRem = acc - q3 * u;
  qSec = q1 * TWO32 + q2 * 65536 + q3;
}

export class PcapngReader implements PacketSource {
  readonly info: CaptureInfo;
  private readonly w: ByteWindow;
  private le = true;
  private section = -1;
  private ifaces: IfaceState[] = [];
  private done = false;
  private failure: CaptureFormatError | null = null;

  constructor(w: ByteWindow) {
    this.w = w;
    this.info = {
      path: w.name,
      format: 'pcapng',
      byteOrder: 'le',
      version: '',
      interfaces: [],
      packets: 0,
      bytesRead: 0,
      fileSize: w.size,
      truncated: false,
      warnings: [],
    };
    this.readShb(true);
  }

  next(pkt: RawPacket): boolean {
    if (this.done) return false;
    if (this.failure) throw this.failure;
    try {
      return this.nextBlock(pkt);
    } catch (e) {
      if (e instanceof CaptureFormatError) this.failure = e;
      throw e;
    }
  }

  close(): void {
    this.done = true;
    this.w.close();
  }

  private nextBlock(pkt: RawPacket): boolean {
    const w = this.w;
    for (;;) {
      let p = w.pos;
      if (w.end - p < 8) {
        if (!w.ensure(8)) return this.stop(8, 'block header');
        p = w.pos;
      }
      let v = w.view;
      const le = this.le;
      const type = v.getUint32(p, le);
      if (type === PCAPNG_SHB) {
        if (!this.readShb(false)) return false;
        continue;
      }
      const len = v.getUint32(p + 4, le);
      const off = w.base + p;
      if (len < 12 || (len & 3) !== 0) {
        throw this.err(off, `length ${len} is ${(len & 3) !== 0 ? 'not a multiple of 4' : 'smaller than 12'}`);
      }
      if (len > MAX_BLOCK_LEN) {
        if (type === EPB || type === PB || type === SPB || type === IDB || type === ISB) {
          throw this.err(off, `length ${len} is larger than the maximum of ${MAX_BLOCK_LEN}`);
        }
        if (!w.skip(len)) return this.stop(len, 'block');
        this.info.bytesRead = w.offset();
        continue;
      }
      if (w.end - p < len) {
        if (!w.ensure(len)) return this.stop(len, 'block');
        p = w.pos;
        v = w.view;
      }
      switch (type) {
        case EPB:
        case PB: {
          if (len < 32) throw this.err(off, `length ${len} is too small for a packet block`);
          const ifId = type === EPB ? v.getUint32(p + 8, le) : v.getUint16(p + 8, le);
          const ifc = this.ifaces[ifId];
          if (ifc === undefined) {
            throw this.err(
              off,
              `packet for interface ${ifId}, but section ${this.section} has ${this.ifaces.length} interface(s)`,
            );
          }
          const caplen = v.getUint32(p + 20, le);
          if (caplen > ifc.maxCaplen) {
            throw this.err(off, `captured length ${caplen} is larger than the maximum of ${ifc.maxCaplen}`);
          }
          if (caplen > len - 32) {
            throw this.err(off, `captured length ${caplen} runs past the end of the block (length ${len})`);
          }
          this.checkTrailer(p, len, off);
          this.setTs(pkt, ifc, v.getUint32(p + 12, le), v.getUint32(p + 16, le));
          pkt.data = w.buf;
          pkt.offset = p + 28;
          pkt.caplen = caplen;
          pkt.wirelen = v.getUint32(p + 24, le);
          pkt.linkType = ifc.linkType;
          pkt.interfaceId = ifId;
          pkt.fileOffset = off;
          w.pos = p + len;
          this.info.packets++;
          this.info.bytesRead = off + len;
          return true;
        }
        case SPB: {
          if (len < 16) throw this.err(off, `length ${len} is too small for a simple packet block`);
          const ifc = this.ifaces[0];
          if (ifc === undefined) {
            throw this.err(off, `simple packet block, but section ${this.section} has no interface`);
          }
          this.checkTrailer(p, len, off);
          const wirelen = v.getUint32(p + 8, le);
          let caplen = Math.min(wirelen, len - 16);
          if (ifc.snapLen > 0 && caplen > ifc.snapLen) caplen = ifc.snapLen;
          pkt.data = w.buf;
          pkt.offset = p + 12;
          pkt.caplen = caplen;
          pkt.wirelen = wirelen;
          pkt.tsSec = 0; // an SPB has no timestamp
          pkt.tsNsec = 0;
          pkt.linkType = ifc.linkType;
          pkt.interfaceId = 0;
          pkt.fileOffset = off;
          w.pos = p + len;
          this.info.packets++;
          this.info.bytesRead = off + len;
          return true;
        }
        case IDB:
          this.readIdb(p, len, off);
          break;
        case ISB:
          this.readIsb(p, len, off);
          break;
        default:
          this.checkTrailer(p, len, off); // unknown block: skipped by its length
      }
      w.pos = p + len;
      this.info.bytesRead = off + len;
    }
  }

  private setTs(pkt: RawPacket, ifc: IfaceState, hi: number, lo: number): void {
    if (ifc.tsMode === TS_DEC) {
      divUnits(hi, lo, ifc.unitsPerSec);
      pkt.tsSec = qSec + ifc.offsetSec;
      pkt.tsNsec = qRem * ifc.nsPerUnit;
    } else if (ifc.tsMode === TS_BIN) {
      divUnits(hi, lo, ifc.unitsPerSec);
      pkt.tsSec = qSec + ifc.offsetSec;
      pkt.tsNsec = Math.floor((qRem * 1e9) / ifc.unitsPerSec); // exact: qRem·1e9 < 2^53, u = 2^n
    } else {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      const u = ifc.unitsBig;
      pkt.tsSec = Number(units / u) + ifc.offsetSec;
      pkt.tsNsec = Number(((units % u) * 1000000000n) / u);
    }
  }

  /**
   * Section Header Block at `pos`: sets byte order, resets the interface table. Returns false when
   * the input ended (or, for a stream, has not yet delivered the whole block).
   */
  private readShb(first: boolean): boolean {
    const w = this.w;
    const off = w.offset();
    if (!w.ensure(12)) {
      if (first) {
        throw new CaptureFormatError(
          w.name,
          off,
          `Cannot read pcapng section header: file has ${w.remaining()} bytes, the header needs ${SHB_MIN_LEN}`,
        );
      }
      return this.stop(12, 'section header block');
    }
    let p = w.pos;
    let v = w.view;
    let le: boolean;
    if (v.getUint32(p + 8, true) === PCAPNG_BYTE_ORDER_MAGIC) le = true;
    else if (v.getUint32(p + 8, false) === PCAPNG_BYTE_ORDER_MAGIC) le = false;
    else {
      throw this.err(off, `section header has unknown byte-order magic ${hex32(v.getUint32(p + 8, false))}`);
    }
    const len = v.getUint32(p + 4, le);
    if (len < SHB_MIN_LEN || (len & 3) !== 0 || len > MAX_BLOCK_LEN) {
      throw this.err(
        off,
        `section header length ${len} is ${
          (len & 3) !== 0 ? 'not a multiple of 4' : len < SHB_MIN_LEN ? `smaller than ${SHB_MIN_LEN}` : 'too large'
        }`,
      );
    }
    if (!w.ensure(len)) {
      if (first) {
        throw new CaptureFormatError(
          w.name,
          off,
          `Cannot read pcapng section header: file has ${w.remaining()} bytes, the header needs ${len}`,
        );
      }
      return this.stop(len, 'section header block');
    }
    p = w.pos;
    v = w.view;
    const major = v.getUint16(p + 12, le);
    const minor = v.getUint16(p + 14, le);
    if (major !== 1) {
      throw this.err(off, `unsupported pcapng version ${major}.${minor} (only major version 1 exists)`);
    }
    this.le = le; // the new section's byte order, also for its own options and trailer
    const buf = w.buf;
    const shb: { hardware?: string; os?: string; application?: string } = {};
    this.forEachOption(p + 24, p + len - 4, off, (code, vp, vlen) => {
      if (code === 2) shb.hardware = utf8(buf, vp, vlen);
      else if (code === 3) shb.os = utf8(buf, vp, vlen);
      else if (code === 4) shb.application = utf8(buf, vp, vlen);
    });
    this.checkTrailer(p, len, off);
    if (first) this.info.section = shb;
    this.section++;
    this.ifaces = [];
    if (first) {
      this.info.byteOrder = le ? 'le' : 'be';
      this.info.version = `${major}.${minor}`;
    }
    w.pos = p + len;
    this.info.bytesRead = off + len;
    return true;
  }

  private readIdb(p: number, len: number, off: number): void {
    if (len < 20) throw this.err(off, `length ${len} is too small for an interface description block`);
    const v = this.w.view;
    const le = this.le;
    const linkType = v.getUint16(p + 8, le);
    const snapLen = v.getUint32(p + 12, le);
    const info: InterfaceInfo = {
      section: this.section,
      index: this.ifaces.length,
      linkType,
      snapLen,
      tsUnitsPerSec: 1e6,
      tsOffsetSec: 0,
    };
    let tsresol = 6;
    const buf = this.w.buf;
    this.forEachOption(p + 16, p + len - 4, off, (code, vp, vlen) => {
      switch (code) {
        case 2:
          info.name = utf8(buf, vp, vlen);
          break;
        case 3:
          info.description = utf8(buf, vp, vlen);
          break;
        case 9:
          if (vlen >= 1) tsresol = buf[vp] ?? 6;
          break;
        case 11:
          // First byte is the filter type; 0 = libpcap filter string.
          if (vlen >= 1) info.filter = utf8(buf, vp + 1, vlen - 1);
          break;
        case 14:
          if (vlen >= 8) info.tsOffsetSec = Number(v.getBigInt64(vp, le));
          break;
        case 4: // if_IPv4addr: address + netmask
          if (vlen >= 8) (info.addresses ??= []).push(`${buf[vp]}.${buf[vp + 1]}.${buf[vp + 2]}.${buf[vp + 3]}`);
          break;
        case 5: // if_IPv6addr: address + prefix length
          if (vlen >= 17) (info.addresses ??= []).push(formatAddress(Uint32Array.from([0, 4, 8, 12], (k) => v.getUint32(vp + k, false))));
          break;
      }
    });
    this.checkTrailer(p, len, off);
    const bin = (tsresol & 0x80) !== 0;
    const exp = tsresol & 0x7f;
    let tsMode: number;
    if (!bin && exp <= 9) tsMode = TS_DEC;
    else if (bin && exp <= 23) tsMode = TS_BIN;
    else tsMode = TS_BIG;
    info.tsUnitsPerSec = bin ? 2 ** exp : 10 ** exp;
    this.ifaces.push({
      linkType,
      snapLen,
      maxCaplen: Math.max(snapLen, MAX_CAPLEN),
      tsMode,
      unitsPerSec: info.tsUnitsPerSec,
      nsPerUnit: tsMode === TS_DEC ? 10 ** (9 - exp) : 0,
      unitsBig: bin ? 1n << BigInt(exp) : 10n ** BigInt(exp),
      offsetSec: info.tsOffsetSec,
      info,
    });
    this.info.interfaces.push(info);
  }

  private readIsb(p: number, len: number, off: number): void {
    if (len < 24) throw this.err(off, `length ${len} is too small for an interface statistics block`);
    const v = this.w.view;
    const le = this.le;
    const ifId = v.getUint32(p + 8, le);
    const ifc = this.ifaces[ifId];
    const info = ifc?.info;
    this.forEachOption(p + 20, p + len - 4, off, (code, vp, vlen) => {
      if (info === undefined || vlen < 8) return;
      const n = Number(v.getBigUint64(vp, le));
      if (code === 4) info.ifRecv = n;
      else if (code === 5) info.ifDrop = n;
      else if (code === 7) info.osDrop = n;
    });
    this.checkTrailer(p, len, off);
    if (info === undefined) {
      this.info.warnings.push({
        offset: off,
        message: `pcapng block at offset ${off}: statistics for interface ${ifId}, which section ${this.section} does not have; ignored`,
      });
    }
  }

  /** Walk options in [p, end): code u16 · length u16 · value padded to 4; code 0 ends the list. */
  private forEachOption(
    p: number,
    end: number,
    blockOff: number,
    fn: (code: number, valuePos: number, valueLen: number) => void,
  ): void {
    const w = this.w;
    const v = w.view;
    const le = this.le;
    while (end - p >= 4) {
      const code = v.getUint16(p, le);
      const vlen = v.getUint16(p + 2, le);
      if (code === 0) return;
      if (p + 4 + vlen > end) {
        const optOff = w.base + p;
        throw new CaptureFormatError(
          w.name,
          optOff,
          `pcapng block at offset ${blockOff}: option ${code} at offset ${optOff} has length ${vlen}, which runs past the end of the block's options (offset ${w.base + end})`,
        );
      }
      fn(code, p + 4, vlen);
      p += 4 + ((vlen + 3) & ~3);
    }
  }

  private checkTrailer(p: number, len: number, off: number): void {
    const trailer = this.w.view.getUint32(p + len - 4, this.le);
    if (trailer !== len) throw this.err(off, `trailing length ${trailer} differs from leading length ${len}`);
  }

  private err(off: number, what: string): CaptureFormatError {
    return new CaptureFormatError(this.w.name, off, `pcapng block at offset ${off}: ${what}`);
  }

  /** End of input before `need` bytes of a block: clean end or a truncation warning. */
  private stop(need: number, what: string): false {
    if (this.w.waiting) return false; // a stream: the rest of the record has not arrived yet
    this.done = true;
    noteEndOfInput(this.w, this.info, need, what);
    return false;
  }
}

const decoder = new TextDecoder('utf-8');

/** Option string: UTF-8, NUL-terminated strings tolerated. */
function utf8(buf: Uint8Array, p: number, len: number): string {
  let n = len;
  while (n > 0 && buf[p + n - 1] === 0) n--;
  return decoder.decode(buf.subarray(p, p + n));
}
