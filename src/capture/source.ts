/**
 * The boundary between "bytes" and "packets". Every source (classic pcap, pcapng, live `cap`)
 * fills the same reused RawPacket, so the decode → flows pipeline has one entry point.
 */
import type { EtlInputInfo } from './etl/etl_info.js';
import type { ByteWindow } from '../inputs/chunked_file.js';
import type { InputProblem } from '../inputs/input_problem.js';

/**
 * One captured record. Sources reuse a single instance: its fields, and the bytes `data` points
 * into, are valid only until the next call to `next()`. Copy what you need to keep.
 */
export interface RawPacket {
  /** Buffer holding the packet bytes (usually the reader's chunk buffer; shared and reused). */
  data: Uint8Array;
  /** Index of the first packet byte in `data`. */
  offset: number;
  /** Captured length (bytes present in `data`). */
  caplen: number;
  /** Original length on the wire (what tshark counts as frame.len). */
  wirelen: number;
  /** Whole seconds since the Unix epoch (may be negative or huge in corrupt files; never NaN). */
  tsSec: number;
  /** Nanoseconds within the second, 0 ≤ tsNsec < 1e9. */
  tsNsec: number;
  /** LINKTYPE_* value of the interface this packet came from. */
  linkType: number;
  /** Interface index: pcapng IDB index within the current section (0 for classic pcap and live). */
  interfaceId: number;
  /** Byte offset of the record (pcap record header / pcapng block) in the file; -1 for live. */
  fileOffset: number;
}

export function newRawPacket(): RawPacket {
  return {
    data: new Uint8Array(0),
    offset: 0,
    caplen: 0,
    wirelen: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: 0,
    interfaceId: 0,
    fileOffset: -1,
  };
}

export type CaptureFormat = 'pcap' | 'pcap-nsec' | 'pcapng' | 'etl' | 'live';

export interface InterfaceInfo {
  /** pcapng section number (0-based) and interface index inside it; 0/0 for classic pcap. */
  section: number;
  index: number;
  linkType: number;
  snapLen: number;
  name?: string;
  description?: string;
  filter?: string;
  /** Timestamp units per second (pcapng if_tsresol; 1e6 or 1e9 for classic pcap). */
  tsUnitsPerSec: number;
  /** pcapng if_tsoffset, in seconds. */
  tsOffsetSec: number;
  /** pcapng if_IPv4addr / if_IPv6addr: the capturing interface's own addresses (written by `live --write`). */
  addresses?: string[];
  /** Drop counters from the last Interface Statistics Block; undefined = not recorded by the file. */
  ifDrop?: number;
  osDrop?: number;
  ifRecv?: number;
}

/** A problem found while reading a capture (the inputs' one `{offset, message}` shape). */
export type CaptureWarning = InputProblem;

/** Facts about one input, filled in while reading. Reported in the JSON `inputs[]`. */
export interface CaptureInfo {
  path: string;
  format: CaptureFormat;
  /** 'le' or 'be' (of the file header / first SHB); 'host' for live. */
  byteOrder: 'le' | 'be' | 'host';
  /** pcap version or pcapng SHB version, e.g. "2.4" or "1.0". */
  version: string;
  interfaces: InterfaceInfo[];
  /** Records yielded so far. */
  packets: number;
  /** Bytes of the file consumed so far. */
  bytesRead: number;
  fileSize: number;
  /** True when the file ended in the middle of a record/block (a warning explains where). */
  truncated: boolean;
  warnings: CaptureWarning[];
  /** pcapng: the first Section Header Block's shb_hardware / shb_os / shb_userappl options, when present. */
  section?: { hardware?: string; os?: string; application?: string };
  /** Set for live captures only (format 'live'). */
  live?: LiveInputInfo;
  /** Set for ETW traces only (format 'etl'): providers, components, buffers. */
  etl?: EtlInputInfo;
}

/** How live packets are timed; reported in the JSON `inputs[].live.clock`. */
export interface LiveClock {
  source: string;
  /** Resolution of the stamps (the clock's unit). */
  resolution: 'ns';
  /** What the stamps mean, in words. */
  precision: string;
}

/** Facts about a live capture beyond CaptureInfo's, for inputs[].live. */
export interface LiveInputInfo {
  interface: string;
  filter: string | null;
  linkType: number;
  snapLen: number;
  clock: LiveClock;
  /** False with cap and tcpdump (no drop counts, inputs[].drops is null); true when dumpcap/tshark wrote interface statistics. */
  dropsAvailable: boolean;
  /** Issue 9: what captured: cap, dumpcap, tshark or tcpdump. */
  engine?: string;
  startedAt: string;
  stoppedAt: string | null;
  stopReason: string | null;
  /** --idle-timeout in seconds, and how many idle connections were folded into per-service totals. */
  idleTimeoutSec: number;
  foldedConnections: number;
  /** The evidence pcapng written with --write, if any. */
  evidence: { path: string; packets: number; bytes: number; sha256: string | null } | null;
}


/** A pull-style packet source. File readers implement it; `next` returns false at the end. */
export interface PacketSource {
  readonly info: CaptureInfo;
  /** Fill `pkt` with the next record. Returns false at end of input. Throws CaptureFormatError on fatal corruption. */
  next(pkt: RawPacket): boolean;
  close(): void;
}

/** What consumes the packets of a capture (the flow engine; tests). */
export interface PacketSink {
  ingest(pkt: RawPacket): void;
  /** The packet just read was logged dropped (a pktmon drop event) by `component` for `reason`. */
  noteDrop?(pkt: RawPacket, component: number, reason: number): void;
}

/**
 * The input ended before `need` bytes of a record/block: a clean end when nothing is left,
 * otherwise a truncation, recorded as a warning that says where the file stopped.
 */
export function noteEndOfInput(w: ByteWindow, info: CaptureInfo, need: number, what: string): void {
  const present = w.remaining();
  if (present <= 0) return;
  const off = w.offset();
  info.truncated = true;
  info.warnings.push({ offset: off, message: `file ends inside the ${what} at offset ${off}: ${present} of ${need} bytes present` });
}

/**
 * libpcap's limit on one record's captured length (MAXIMUM_SNAPLEN). A record larger than
 * max(file snaplen, this) is treated as corruption. Real captures made with TSO/GRO offload hold
 * frames larger than a small snaplen, so only the larger of the two is enforced (as libpcap does).
 */
export const MAX_CAPLEN = 262144;
