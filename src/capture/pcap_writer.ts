/**
 * Classic pcap writer (version 2.4): µs or ns magic, little or big endian, streaming to a file
 * (buffered `fs.writeSync`) or collected in memory.
 */
import { ByteSink } from './byte_sink.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './pcap_reader.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* value written in the file header. */
  linkType: number;
  /** Longest record kept; longer packets are cut (wirelen stays). Default 262144. */
  snapLen?: number;
  /** Nanosecond magic 0xa1b23c4d instead of microseconds. Default false. */
  nanosecond?: boolean;
  /** Write big-endian instead of little-endian. Default false. */
  bigEndian?: boolean;
  /** Output buffer size (default 1 MiB). */
  chunkSize?: number;
}

export class PcapWriter {
  private readonly sink: ByteSink;
  private readonly le: boolean;
  private readonly nsec: boolean;
  private readonly snapLen: number;
  private count = 0;

  /** Write to `path` (created or truncated). */
  static toFile(path: string, opts: PcapWriterOptions): PcapWriter {
    return new PcapWriter(path, opts);
  }

  /** Collect the file in memory; `close()` returns its bytes. */
  static inMemory(opts: PcapWriterOptions): PcapWriter {
    return new PcapWriter(null, opts);
  }

  private constructor(path: string | null, opts: PcapWriterOptions) {
    this.sink = new ByteSink(path, opts.chunkSize);
    this.le = !opts.bigEndian;
    this.nsec = opts.nanosecond === true;
    this.snapLen = opts.snapLen ?? 262144;
    const s = this.sink;
    s.reserve(24);
    const v = s.view;
    const p = s.len;
    v.setUint32(p, this.nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, this.le);
    v.setUint16(p + 4, 2, this.le);
    v.setUint16(p + 6, 4, this.le);
    v.setInt32(p + 8, 0, this.le); // thiszone
    v.setUint32(p + 12, 0, this.le); // sigfigs
    v.setUint32(p + 16, this.snapLen, this.le);
    v.setUint32(p + 20, opts.linkType, this.le);
    s.len = p + 24;
  }

  get packets(): number {
    return this.count;
  }

  get bytesWritten(): number {
    return this.sink.bytesWritten;
  }

  /**
   * Append one record. `bytes[offset, offset+length)` is the captured data (cut to snapLen);
   * `wirelen` defaults to `length`. `tsSec` must fit in 32 bits, 0 ≤ tsNsec < 1e9.
   */
  writePacket(
    tsSec: number,
    tsNsec: number,
    bytes: Uint8Array,
    offset = 0,
    length = bytes.length - offset,
    wirelen = length,
  ): void {
    if (!(tsSec >= 0 && tsSec <= 0xffffffff) || !(tsNsec >= 0 && tsNsec < 1e9)) {
      throw new RangeError(`pcap timestamp out of range: ${tsSec}.${tsNsec}`);
    }
    const caplen = Math.min(length, this.snapLen);
    const s = this.sink;
    s.reserve(16 + caplen);
    const v = s.view;
    const p = s.len;
    const le = this.le;
    v.setUint32(p, tsSec, le);
    v.setUint32(p + 4, this.nsec ? tsNsec : Math.floor(tsNsec / 1000), le);
    v.setUint32(p + 8, caplen, le);
    v.setUint32(p + 12, wirelen, le);
    s.buf.set(bytes.subarray(offset, offset + caplen), p + 16);
    s.len = p + 16 + caplen;
    this.count++;
  }

  /** Flush and close. In memory mode returns the whole file, in file mode an empty array. */
  close(): Uint8Array {
    return this.sink.close();
  }
}
