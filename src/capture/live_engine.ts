/**
 * One interface for every live capture engine: `cap` (libpcap in process), the capture programs
 * dumpcap, tshark and tcpdump (their stream on stdout), and the Windows trace programs pktmon and
 * netsh (an ETL file read natively when the trace stops). `flowaudit live` drives any of them the
 * same way: start → ready → packets → stop (drain) or kill, and asks the engine only for facts.
 */
import type { CaptureInfo, LiveClock, RawPacket } from './source.js';

/** A packet the trace saw dropped, by which component and why (pktmon drop events). */
export type DropSink = (pkt: RawPacket, component: number, reason: number) => void;

export type LiveEngineName = 'cap' | 'dumpcap' | 'tshark' | 'tcpdump' | 'pktmon' | 'netsh';
export const LIVE_ENGINE_NAMES: readonly LiveEngineName[] = ['cap', 'dumpcap', 'tshark', 'tcpdump', 'pktmon', 'netsh'];

/** The evidence an engine writes itself, byte for byte, when it writes pcapng (dumpcap, tshark). */
export interface OwnEvidence {
  readonly path: string;
  readonly bytes: number;
  /** sha256 of the stream as written; null until the stream ended. */
  readonly sha256: string | null;
}

/** Facts for the report's inputs[].live, as the engine knows them once stopped. */
export interface LiveEngineFacts {
  linkType: number;
  snapLen: number;
  clock: LiveClock;
  /** What limits a packet's captured length, for the truncation warning. */
  snapLimit: string;
}

export interface LiveEngine {
  readonly name: LiveEngineName;
  readonly device: string;
  /** What the "capturing on" line says in brackets when the link type is not known yet ("via dumpcap"). */
  readonly via: string | null;
  /** Replaced by the reader's info once the engine's stream or file has been opened. */
  readonly info: CaptureInfo;
  /** Wall-clock µs since the epoch at which the capture started. */
  readonly startedUs: number;
  readonly packets: number;
  /** Packets cut by the engine's snap length. */
  readonly truncated: number;
  /** process.hrtime.bigint() of the last packet delivered: a drain waits until the engine is quiet. */
  readonly lastPacketAt: bigint;
  /** The pcapng evidence the engine writes itself, or null: the caller writes pcapng from the packets. */
  readonly ownEvidence: OwnEvidence | null;
  /**
   * Start delivering packets. `onPacket` gets each packet synchronously through one reused
   * RawPacket; `onError` an error that ended the capture after it started.
   */
  start(onPacket: (pkt: RawPacket) => void, onError: (e: unknown) => void, onDrop?: DropSink): void;
  /** Per-component copies of a packet counted once (pktmon traces); undefined when the engine has none. */
  readonly copiesCollapsed?: number;
  /**
   * Resolves once the engine captures (bounded); rejects with a one-line error naming the
   * engine and its own message when it could not start (no device, no privileges, not installed).
   */
  ready(): Promise<void>;
  /** Resolves with a stop reason when the engine ended by itself (its program exited, a count was reached). */
  readonly ended: Promise<string>;
  /**
   * Stop gracefully: what the engine still holds is delivered before this resolves. `aborted()`
   * turns true on a second Ctrl-C: stop waiting, kill.
   */
  stop(aborted: () => boolean): Promise<void>;
  /** Stop at once (second Ctrl-C, crash): deliver nothing more, leave nothing running. Idempotent. */
  kill(): void;
  /** Stop delivering (e.g. --packets reached, from inside the packet callback). Idempotent. */
  close(): void;
  /** The clock packets are stamped with, now, in µs since the epoch (progress, idle folding). */
  nowUs(): number;
  facts(): LiveEngineFacts;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Draining after a stop request: wait until no packet came for `quietMs`, at most `maxMs`. */
export async function drainUntilQuiet(e: Pick<LiveEngine, 'lastPacketAt'>, aborted: () => boolean, quietMs = 150, maxMs = 2000, stepMs = 50): Promise<void> {
  for (let waited = 0; !aborted() && waited < maxMs; waited += stepMs) {
    if (Number(process.hrtime.bigint() - e.lastPacketAt) / 1e6 >= quietMs) return;
    await sleep(stepMs);
  }
}
