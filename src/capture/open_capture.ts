/**
 * Open a capture by sniffing its first four bytes: classic pcap (either magic, either byte
 * order) or pcapng (Section Header Block type 0x0A0D0D0A). The file- and memory-backed variants
 * run the same readers over a `ByteWindow`.
 */
import { CaptureFormatError } from '../errors.js';
import type { PacketSource } from './source.js';
import { ByteWindow, DEFAULT_CHUNK_SIZE, hex32 } from './chunked_file.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC, PcapReader } from './pcap_reader.js';
import { PCAPNG_SHB, PcapngReader } from './pcapng_reader.js';

export interface OpenCaptureOptions {
  /** Size of the reused read buffer in bytes (default 4 MiB). It grows only for a larger record. */
  chunkSize?: number;
}

/** Open a pcap or pcapng file. Throws CaptureFormatError for a file that is not a readable capture. */
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

function openWindow(w: ByteWindow): PacketSource {
  if (w.size === 0) throw new CaptureFormatError(w.name, 0, 'Cannot read capture header: empty file');
  if (!w.ensure(4)) {
    throw new CaptureFormatError(
      w.name,
      0,
      `Cannot read capture header: file has ${w.remaining()} bytes, too short for a magic number`,
    );
  }
  const be = w.view.getUint32(w.pos, false);
  const le = w.view.getUint32(w.pos, true);
  if (be === PCAPNG_SHB) return new PcapngReader(w);
  if (be === PCAP_MAGIC_USEC || be === PCAP_MAGIC_NSEC || le === PCAP_MAGIC_USEC || le === PCAP_MAGIC_NSEC) {
    return new PcapReader(w);
  }
  throw new CaptureFormatError(
    w.name,
    0,
    `Cannot read pcap header: unknown magic ${hex32(be)} (neither pcap nor pcapng)`,
  );
}
