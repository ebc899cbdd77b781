/**
 * pcapng reader (draft-ietf-opsawg-pcapng). Every block: type u32 · length u32 · body · length u32,
 * in the byte order of its section (set by the Section Header Block's byte-order magic).
 *
 * Blocks handled: SHB (0x0A0D0D0A, starts a section: new byte order, interface table reset),
 * IDB (1), obsolete Packet Block (2), SPB (3), ISB (5), EPB (6). Others are skipped by length.
 * `RawPacket.interfaceId` is the IDB index within the current section; `info.interfaces` keeps
 * every interface of every section. Option decoding is in pcapng_options.ts; the interface state
 * and the timestamp conversion are in pcapng_interfaces.ts.
 */
import { CaptureFormatError } from '../errors.js';
import { noteEndOfInput, type CaptureInfo, type InterfaceInfo, type PacketSource, type RawPacket } from './source.js';
import { ByteWindow, hex32 } from '../inputs/chunked_file.js';
import { ifaceState, setTs, type IfaceState } from './pcapng_interfaces.js';
import { readIdbOptions, readIsbOptions, readShbOptions } from './pcapng_options.js';

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
      const v = w.view;
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
      }
      switch (type) {
        case EPB:
        case PB:
          return this.readPacketBlock(pkt, type, p, len, off);
        case SPB:
          return this.readSimplePacketBlock(pkt, p, len, off);
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

  /** Enhanced (or obsolete) Packet Block of `len` bytes at window position `p`, file offset `off`. */
  private readPacketBlock(pkt: RawPacket, type: number, p: number, len: number, off: number): true {
    const w = this.w;
    const v = w.view;
    const le = this.le;
    if (len < 32) throw this.err(off, `length ${len} is too small for a packet block`);
    const ifId = type === EPB ? v.getUint32(p + 8, le) : v.getUint16(p + 8, le);
    const ifc = this.ifaces[ifId];
    if (ifc === undefined) {
      throw this.err(off, `packet for interface ${ifId}, but section ${this.section} has ${this.ifaces.length} interface(s)`);
    }
    const caplen = v.getUint32(p + 20, le);
    if (caplen > ifc.maxCaplen) {
      throw this.err(off, `captured length ${caplen} is larger than the maximum of ${ifc.maxCaplen}`);
    }
    if (caplen > len - 32) {
      throw this.err(off, `captured length ${caplen} runs past the end of the block (length ${len})`);
    }
    this.checkTrailer(p, len, off);
    setTs(pkt, ifc, v.getUint32(p + 12, le), v.getUint32(p + 16, le));
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

  /** Simple Packet Block (no timestamp, interface 0). */
  private readSimplePacketBlock(pkt: RawPacket, p: number, len: number, off: number): true {
    const w = this.w;
    const v = w.view;
    if (len < 16) throw this.err(off, `length ${len} is too small for a simple packet block`);
    const ifc = this.ifaces[0];
    if (ifc === undefined) {
      throw this.err(off, `simple packet block, but section ${this.section} has no interface`);
    }
    this.checkTrailer(p, len, off);
    const wirelen = v.getUint32(p + 8, this.le);
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
    const shb = readShbOptions(w, le, p + 24, p + len - 4, off);
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
    const tsresol = readIdbOptions(this.w, le, p + 16, p + len - 4, off, info);
    this.checkTrailer(p, len, off);
    this.ifaces.push(ifaceState(info, linkType, snapLen, tsresol));
    this.info.interfaces.push(info);
  }

  private readIsb(p: number, len: number, off: number): void {
    if (len < 24) throw this.err(off, `length ${len} is too small for an interface statistics block`);
    const v = this.w.view;
    const le = this.le;
    const ifId = v.getUint32(p + 8, le);
    const ifc = this.ifaces[ifId];
    const info = ifc?.info;
    readIsbOptions(this.w, le, p + 20, p + len - 4, off, info);
    this.checkTrailer(p, len, off);
    if (info === undefined) {
      this.info.warnings.push({
        offset: off,
        message: `pcapng block at offset ${off}: statistics for interface ${ifId}, which section ${this.section} does not have; ignored`,
      });
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
