/**
 * Everything the engine learned from the inputs, as plain data for the audit and the `flows`
 * command. Built once at the end of ingest.
 */
import { TableConnections } from './connection.js';
import type { ServerPorts } from './direction.js';
import type { FlowEngine } from './flow_engine.js';
import type { HintRecorder } from './hints.js';
import type { InputSummary } from './ingest.js';

export interface CaptureFacts {
  /** Visited one at a time (see TableConnections): memory grows with connections, not packets. */
  connections: TableConnections;
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
  hints?: HintRecorder;
}

export function collectFacts(engine: FlowEngine, inputs: InputSummary[], serverPorts: ServerPorts): CaptureFacts {
  engine.finish();
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
    hints: engine.hints,
  };
}
