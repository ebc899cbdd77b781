/**
 * The one description of an input: which input it is, how it was stored and read, its hash, what
 * was counted from it and what stopped it. The other descriptions derive from it:
 * - capture/ingest.ts InputSummary: while reading (times in µs, the capture info; the fields
 *   filled as reading goes on are optional there);
 * - audit/result.ts InputResult: the report's `inputs[]` (times as ISO text, link types, drops);
 * - audit/result.ts Evidence `inputs[]`: path and hash, and how to read it again (EvidenceInput).
 */
import type { Compression } from './compression.js';
import type { InputProblem } from './input_problem.js';
import type { ByteBasis, RecordInputInfo } from './record_input.js';

/** 'file': a regular file, re-readable by path; 'stream': stdin, a FIFO or pipe, read once (verify needs the capture given); 'live': an interface. */
export type InputOrigin = 'file' | 'stream' | 'live';

export interface InputDescription {
  path: string;
  /** SHA-256 of the input as stored (null: it could not be read to the end). */
  sha256: string | null;
  packets: number;
  bytes: number;
  /** Fatal problem that stopped reading this input (what was read before it still counts). */
  error: InputProblem | null;
  origin: InputOrigin;
  /** Compression of the input as stored (the sha256 covers the compressed bytes). */
  compression: Compression | null;
  /** Bytes of the input as stored (what the sha256 covers). */
  storedBytes: number | null;
  /** Windows Packet Monitor captures: per-component copies of a packet counted once (null: not pktmon). */
  copiesCollapsed: number | null;
  /**
   * What `bytes` counts: `frame` (captures, Suricata, flowaudit flows), `ip` (Zeek *_ip_bytes),
   * `payload` (Zeek orig_bytes/resp_bytes), `mixed`; null when nothing was counted.
   */
  byteBasis: ByteBasis | 'mixed' | null;
  /** Flow logs only (src/records): lines, connections, malformed lines, ignored records, unavailable facts. */
  records?: RecordInputInfo;
}

/** An input in a report's evidence block: path and hash; `stream` when it cannot be read again by path. */
export type EvidenceInput = Pick<InputDescription, 'path' | 'sha256'> & { stream?: true; compression?: Compression };
