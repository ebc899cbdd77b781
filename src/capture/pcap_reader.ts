/**
 * Classic libpcap file reader: microsecond (0xa1b2c3d4) and nanosecond (0xa1b23c4d) magic, both
 * byte orders, major version 2 only.
 *
 * File header (24 bytes):  magic u32 · version major u16 · minor u16 · thiszone i32 · sigfigs u32
 *                          · snaplen u32 · linktype u32 (FCS len bits 28-31, P bit 26, R bit 27,
 *                          reserved bits 16-25 that must be zero, LINKTYPE_* in bits 0-15)
 * Record header (16 bytes): ts_sec u32 · ts_frac u32 (µs or ns) · caplen u32 · wirelen u32
 */
import { CaptureFormatError } from '../errors.js';
import { MAX_CAPLEN, noteEndOfInput, type CaptureInfo, type InterfaceInfo, type PacketSource, type RawPacket } from './source.js';
import { ByteWindow, hex32 } from '../inputs/chunked_file.js';

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;

/** Bits 16-25 of the link-type field: reserved, must be zero (libpcap LT_RESERVED1). */
const LT_RESERVED1 = 0x03ff0000;

export class PcapReader implements PacketSource {
  readonly info: CaptureInfo;
  private readonly w: ByteWindow;
  private readonly le: boolean;
  /** 1000 for µs files, 1 for ns files. */
  private readonly fracToNs: number;
  private readonly linkType: number;
  private readonly maxCaplen: number;
  /** Length fields order (libpcap): < 2.3 swapped, 2.3 swapped when caplen > wirelen, 2.4 normal. */
  private readonly lengthsSwapped: 0 | 1 | 2;
  private done = false;
  private failure: CaptureFormatError | null = null;
  private warnedTs = false;

  constructor(w: ByteWindow) {
    this.w = w;
    const name = w.name;
    if (!w.ensure(FILE_HEADER_LEN)) {
      throw new CaptureFormatError(
        name,
        0,
        `Cannot read pcap header: file has ${w.remaining()} bytes, the header needs ${FILE_HEADER_LEN}`,
      );
    }
    const v = w.view;
    const p = w.pos;
    const magicBE = v.getUint32(p, false);
    const magicLE = v.getUint32(p, true);
    let le: boolean;
    let magic: number;
    if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC) {
      le = true;
      magic = magicLE;
    } else if (magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC) {
      le = false;
      magic = magicBE;
    } else {
      throw new CaptureFormatError(name, 0, `Cannot read pcap header: unknown magic ${hex32(magicBE)}`);
    }
    this.le = le;
    const nsec = magic === PCAP_MAGIC_NSEC;
    this.fracToNs = nsec ? 1 : 1000;
    const major = v.getUint16(p + 4, le);
    const minor = v.getUint16(p + 6, le);
    if (major !== 2) {
      throw new CaptureFormatError(
        name,
        4,
        `Cannot read pcap header: unsupported version ${major}.${minor} (only major version 2 exists)`,
      );
    }
    // Before version 2.3 the record header held wirelen before caplen; some 2.3 files were
    // written either way (libpcap sf-pcap.c `lengths_swapped`).
    this.lengthsSwapped = minor < 3 ? 1 : minor === 3 ? 2 : 0;
    const snapLen = v.getUint32(p + 16, le);
    const ltField = v.getUint32(p + 20, le);
    if ((ltField & LT_RESERVED1) !== 0) {
      throw new CaptureFormatError(
        name,
        20,
        `Cannot read pcap header: link-type reserved field not zero (${hex32(ltField & LT_RESERVED1)})`,
      );
    }
    this.linkType = ltField & 0xffff;
    this.maxCaplen = Math.max(snapLen, MAX_CAPLEN);
    w.pos = p + FILE_HEADER_LEN;
    const iface: InterfaceInfo = {
      section: 0,
      index: 0,
      linkType: this.linkType,
      snapLen,
      tsUnitsPerSec: nsec ? 1e9 : 1e6,
      tsOffsetSec: 0,
    };
    this.info = {
      path: name,
      format: nsec ? 'pcap-nsec' : 'pcap',
      byteOrder: le ? 'le' : 'be',
      version: `${major}.${minor}`,
      interfaces: [iface],
      packets: 0,
      bytesRead: FILE_HEADER_LEN,
      fileSize: w.size,
      truncated: false,
      warnings: [],
    };
  }

  next(pkt: RawPacket): boolean {
    if (this.done) return false;
    if (this.failure) throw this.failure;
    const w = this.w;
    let p = w.pos;
    if (w.end - p < RECORD_HEADER_LEN) {
      if (!w.ensure(RECORD_HEADER_LEN)) return this.stop(RECORD_HEADER_LEN, 'record header');
      p = w.pos;
    }
    const v = w.view;
    const le = this.le;
    const sec = v.getUint32(p, le);
    const frac = v.getUint32(p + 4, le);
    let caplen = v.getUint32(p + 8, le);
    let wirelen = v.getUint32(p + 12, le);
    if (this.lengthsSwapped !== 0 && (this.lengthsSwapped === 1 || caplen > wirelen)) {
      const t = caplen;
      caplen = wirelen;
      wirelen = t;
    }
    if (caplen > this.maxCaplen) {
      const off = w.base + p;
      this.failure = new CaptureFormatError(
        w.name,
        off,
        `pcap record at offset ${off}: captured length ${caplen} is larger than the maximum of ${this.maxCaplen}`,
      );
      throw this.failure;
    }
    const total = RECORD_HEADER_LEN + caplen;
    if (w.end - p < total) {
      if (!w.ensure(total)) return this.stop(total, 'record');
      p = w.pos;
    }
    let tsNsec = frac * this.fracToNs;
    let tsSec = sec;
    if (tsNsec >= 1e9) {
      // Invalid fraction (corrupt or fuzzed file): carry whole seconds so 0 ≤ tsNsec < 1e9.
      const carry = Math.floor(tsNsec / 1e9);
      tsSec += carry;
      tsNsec -= carry * 1e9;
      if (!this.warnedTs) {
        this.warnedTs = true;
        this.info.warnings.push({
          offset: w.base + p,
          message: `record at offset ${w.base + p}: timestamp fraction ${frac} is not below ${
            this.fracToNs === 1 ? '1e9' : '1e6'
          }; carried into seconds (only the first such record is reported)`,
        });
      }
    }
    pkt.data = w.buf;
    pkt.offset = p + RECORD_HEADER_LEN;
    pkt.caplen = caplen;
    pkt.wirelen = wirelen;
    pkt.tsSec = tsSec;
    pkt.tsNsec = tsNsec;
    pkt.linkType = this.linkType;
    pkt.interfaceId = 0;
    pkt.fileOffset = w.base + p;
    w.pos = p + total;
    this.info.packets++;
    this.info.bytesRead = w.base + w.pos;
    return true;
  }

  /** End of input before `need` bytes of a record: clean end or a truncation warning. */
  private stop(need: number, what: string): false {
    if (this.w.waiting) return false; // a stream: the rest of the record has not arrived yet
    this.done = true;
    noteEndOfInput(this.w, this.info, need, what);
    return false;
  }

  close(): void {
    this.done = true;
    this.w.close();
  }
}
