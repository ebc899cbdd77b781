/**
 * Open a capture by sniffing its first bytes: classic pcap (either magic, either byte order),
 * pcapng (Section Header Block type 0x0A0D0D0A) or an ETW trace (ETL: a buffer header followed
 * by the trace header event; its first 80 bytes decide). The file-, memory- and stream-backed
 * variants run the same readers over a `ByteWindow`.
 */
import { CaptureFormatError } from '../errors.js';
import type { PacketSource } from './source.js';
import { ByteWindow, DEFAULT_CHUNK_SIZE, hex32 } from '../inputs/chunked_file.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, PcapReader } from './pcap_reader.js';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB, PcapngReader } from './pcapng_reader.js';
import { ETL_SNIFF_BYTES, EtlReader, isEtlHeader } from './etl/etl_reader.js';

export { ETL_SNIFF_BYTES };

export interface OpenCaptureOptions {
  /** Size of the reused read buffer in bytes (default 4 MiB). It grows only for a larger record. */
  chunkSize?: number;
}

/** Open a pcap, pcapng or ETL file. Throws CaptureFormatError for a file that is not a readable capture. */
export function openCapture(path: string, opts: OpenCaptureOptions = {}): PacketSource {
  const w = ByteWindow.fromFile(path, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
  try {
    return openWindow(w);
  } catch (e) {
    w.close();
    throw e;
  }
}

/** Same as openCapture, over bytes in memory (`name` is used in messages and `info.path`). */
export function openCaptureBytes(bytes: Uint8Array, name: string): PacketSource {
  return openWindow(ByteWindow.fromBytes(bytes, name));
}

/**
 * pcap or pcapng by the magic at the window's position, ETL by its first ETL_SNIFF_BYTES; null
 * for anything else (needs 4 bytes; ETL is recognised only once 80 bytes are present).
 */
export function captureFormatAt(w: ByteWindow): 'pcap' | 'pcapng' | 'etl' | null {
  if (w.end - w.pos < 4) return null;
  const be = w.view.getUint32(w.pos, false);
  const le = w.view.getUint32(w.pos, true);
  if (be === PCAPNG_SHB) return 'pcapng';
  if (be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC || le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC) return 'pcap';
  if (isEtlHeader(w.buf, w.view, w.pos, w.end - w.pos)) return 'etl';
  return null;
}

/**
 * Stream windows: how many bytes must be present before the reader can be constructed (its
 * constructor reads the whole file header / first section header block).
 */
export function headerBytesNeeded(w: ByteWindow): number {
  const avail = w.end - w.pos;
  if (avail < 4) return 4;
  const fmt = captureFormatAt(w);
  if (fmt === 'pcap') return 24;
  if (fmt === 'etl') return ETL_SNIFF_BYTES;
  if (fmt === 'pcapng') {
    if (avail < 12) return 12;
    const le = w.view.getUint32(w.pos + 8, true) === PCAPNG_BYTE_ORDER_MAGIC;
    const len = w.view.getUint32(w.pos + 4, le);
    return len >= 28 && len <= 16 * 1024 * 1024 ? len : 12;
  }
  return 4;
}

export function openWindow(w: ByteWindow): PacketSource {
  if (w.size === 0 && !w.waiting && w.end === 0) throw new CaptureFormatError(w.name, 0, 'Cannot read capture header: empty file');
  if (!w.ensure(4)) {
    throw new CaptureFormatError(
      w.name,
      0,
      `Cannot read capture header: file has ${w.remaining()} bytes, too short for a magic number`,
    );
  }
  w.ensure(Math.min(ETL_SNIFF_BYTES, w.remaining()));
  const fmt = captureFormatAt(w);
  if (fmt === 'pcapng') return new PcapngReader(w);
  if (fmt === 'pcap') return new PcapReader(w);
  if (fmt === 'etl') return new EtlReader(w);
  throw new CaptureFormatError(
    w.name,
    0,
    `Cannot read pcap header: unknown magic ${hex32(w.view.getUint32(w.pos, false))} (neither pcap, pcapng nor ETL)`,
  );
}
