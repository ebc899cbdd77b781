/**
 * Everything the engine learned from the inputs, as plain data for the audit and the `flows`
 * command. Built once at the end of ingest.
 */
import { TableConnections, type Connection } from './connection.js';
import type { ServerPorts } from './direction.js';
import type { FlowEngine } from './flow_engine.js';
import type { HintStore } from './hint_store.js';
import type { InputSummary } from '../capture/ingest.js';
import type { AttemptAggregate } from './attempt_fold.js';

export interface CaptureFacts {
  /** Visited one at a time (see TableConnections): memory grows with connections, not packets. */
  connections: ConnectionSet;
  packets: number;
  bytes: number;
  /** µs since the epoch, null when no packet was read. */
  firstSeen: number | null;
  lastSeen: number | null;
  decodeErrors: Record<string, number>;
  nonIpFrames: number;
  ipv4Packets: number;
  ipv6Packets: number;
  inputs: InputSummary[];
  /** Names from DNS/SNI/Host, endpoint-mapper hand-outs, ICMP quotes (absent in hand-built facts). */
  hints?: HintStore;
  /** Attempts folded during ingest beyond the table's budget, per target (attempt_fold.ts); absent or empty when none. */
  attempts?: AttemptAggregate[];
}

/** Connections visited one at a time through a reused object (the engine's table, flow-log records, or both). */
export interface ConnectionSet {
  readonly size: number;
  /** `c` is reused between calls: copy what you keep. */
  forEach(visit: (c: Connection) => void): void;
  toArray(): Connection[];
  /** Connection `id` as forEach gave it, written into `c`. */
  get(id: number, c: Connection): Connection;
  /** Id of this set's first connection when it follows another set (flow-log records after a capture's table). */
  readonly idBase?: number;
}

/** Several connection sets one after the other (a capture's table, then flow-log records). */
export class JoinedConnections implements ConnectionSet {
  constructor(readonly parts: readonly ConnectionSet[]) {}
  get size(): number {
    return this.parts.reduce((n, p) => n + p.size, 0);
  }
  forEach(visit: (c: Connection) => void): void {
    for (const p of this.parts) p.forEach(visit);
  }
  toArray(): Connection[] {
    return this.parts.flatMap((p) => p.toArray());
  }
  get(id: number, c: Connection): Connection {
    for (let k = this.parts.length - 1; k > 0; k--) {
      const p = this.parts[k]!;
      if (id >= (p.idBase ?? 0)) return p.get(id, c);
    }
    return this.parts[0]!.get(id, c);
  }
}

/** The engine's facts; `final` false for a look while packets still come (live progress): pending attempts stay pending. */
export function collectFacts(engine: FlowEngine, inputs: InputSummary[], serverPorts: ServerPorts, final = true): CaptureFacts {
  engine.finish(final);
  let nonIp = 0;
  for (const n of engine.nonIp.values()) nonIp += n;
  return {
    connections: new TableConnections(engine.table, serverPorts, engine.folded),
    packets: engine.packets,
    bytes: engine.bytes,
    firstSeen: engine.packets > 0 ? engine.firstTs : null,
    lastSeen: engine.packets > 0 ? engine.lastTs : null,
    decodeErrors: engine.problemCounts(),
    nonIpFrames: nonIp,
    ipv4Packets: engine.ipv4,
    ipv6Packets: engine.ipv6,
    inputs,
    hints: engine.hints.facts,
    attempts: engine.attempts.results(),
  };
}
