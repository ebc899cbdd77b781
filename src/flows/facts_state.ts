/**
 * Connection facts as portable data (`audit --emit-state`): the state's schema (row columns and
 * types) and the conversion of one run's facts into it. Facts only, no policy. Merging states
 * back into facts is in facts_merge.ts.
 *
 * A connection is kept as the connection table holds it (endpoint A = first sender, per-direction
 * packets, bytes and TCP event bits, handshake, ICMP type/code, times), not as a verdict-ready
 * record, so that pieces of one connection seen in different files re-combine into exactly the
 * entry a single run would have built, and are oriented and given a state by the same code.
 */
import { attemptToState, type AttemptAggregateState } from './attempt_state.js';
import { connectionCommunityId } from './community_id.js';
import { AddressNames, emptyConnection, fillConnection, protocolLabel, TableConnections, type Connection } from './connection.js';
import { JoinedConnections, type CaptureFacts } from './facts.js';
import type { DnsNameFact, EpmFact } from './hint_facts.js';
import type { IcmpQuote } from './icmp_quote.js';

/** Column names of `FactsState.connections` rows, in order. */
export const STATE_CONNECTION_FIELDS = [
  'communityId', 'proto', 'addrA', 'portA', 'addrB', 'portB', 'packetsAB', 'packetsBA', 'bytesAB', 'bytesBA',
  'eventsA', 'eventsB', 'handshake', 'icmpType', 'icmpCode', 'firstTs', 'lastTs', 'sni', 'httpHost',
] as const;

export type StateConnectionRow = [
  communityId: string | null, proto: number, addrA: string, portA: number, addrB: string, portB: number,
  packetsAB: number, packetsBA: number, bytesAB: number, bytesBA: number, eventsA: number, eventsB: number,
  handshake: number, icmpType: number, icmpCode: number, firstTs: number, lastTs: number, sni: string | null, httpHost: string | null,
];

/** An aggregate of folded idle connections (live capture): kept as the audit sees it. */
export type StateFoldedRow = Omit<Connection, 'clientAddr' | 'serverAddr'>;

/** A connection from a flow log (already oriented by its reader), with its Community ID and names. */
export type StateRecordRow = Omit<Connection, 'clientAddr' | 'serverAddr'> & { communityId: string | null; sni: string | null; httpHost: string | null };

/** Column names of `FactsState.records` rows (a record is kept as an array, not an object: a week of them is large). */
export const STATE_RECORD_FIELDS = [
  'communityId', 'ipProto', 'client', 'clientPort', 'server', 'serverPort', 'packetsToServer', 'packetsToClient',
  'bytesToServer', 'bytesToClient', 'firstSeen', 'lastSeen', 'state', 'outcome', 'directionBy', 'history',
  'icmpType', 'icmpCode', 'byteBasis', 'sni', 'httpHost',
] as const;

export type StateRecordTuple = [
  communityId: string | null, ipProto: number, client: string, clientPort: number, server: string, serverPort: number,
  packetsToServer: number, packetsToClient: number, bytesToServer: number, bytesToClient: number, firstSeen: number, lastSeen: number,
  state: Connection['state'], outcome: Connection['outcome'], directionBy: Connection['directionBy'], history: string,
  icmpType: number, icmpCode: number, byteBasis: Connection['byteBasis'] | null, sni: string | null, httpHost: string | null,
];

function recordTuple(c: Connection, communityId: string | null, sni: string | null, httpHost: string | null): StateRecordTuple {
  return [
    communityId, c.ipProto, c.client, c.clientPort, c.server, c.serverPort, c.packetsToServer, c.packetsToClient,
    c.bytesToServer, c.bytesToClient, c.firstSeen, c.lastSeen, c.state, c.outcome, c.directionBy, c.history,
    c.icmpType, c.icmpCode, c.byteBasis ?? null, sni, httpHost,
  ];
}

/** A `FactsState.records` row back as a connection (the inverse of recordTuple). */
export function recordRow(t: StateRecordTuple): StateRecordRow {
  const [communityId, ipProto, client, clientPort, server, serverPort, packetsToServer, packetsToClient, bytesToServer, bytesToClient,
    firstSeen, lastSeen, state, outcome, directionBy, history, icmpType, icmpCode, byteBasis, sni, httpHost] = t;
  return {
    id: 0, protocol: protocolLabel(ipProto), ipProto, client, clientPort, server, serverPort,
    packets: packetsToServer + packetsToClient, bytes: bytesToServer + bytesToClient, packetsToServer, packetsToClient, bytesToServer, bytesToClient,
    firstSeen, lastSeen, state, outcome, directionBy, history, icmpType, icmpCode, count: 1,
    ...(byteBasis ? { byteBasis } : {}), communityId, sni, httpHost,
  };
}

/** The capture-wide counters of the facts, as they are (see CaptureFacts). */
type FactsCounters = Pick<CaptureFacts, 'packets' | 'bytes' | 'firstSeen' | 'lastSeen' | 'decodeErrors' | 'nonIpFrames' | 'ipv4Packets' | 'ipv6Packets' | 'inputs'>;

export interface FactsState extends FactsCounters {
  connectionFields: readonly string[];
  connections: StateConnectionRow[];
  folded: StateFoldedRow[];
  /** Attempts the engine folded while reading (flows/attempt_fold.ts); absent in states written before. */
  attempts?: AttemptAggregateState[];
  /** Connections read from flow logs (Zeek, Suricata, flowaudit flows JSONL), after the table's. */
  recordFields?: readonly string[];
  records?: StateRecordTuple[];
  hints: {
    dnsNames: [string, DnsNameFact[]][];
    epm: EpmFact[];
    icmp: [string, IcmpQuote][];
    foldedNames: [string, { sni: string[]; host: string[] }][];
    /** pktmon drop events: icmpKey → [`component/reason`, packets][] (absent in states written before ETL support). */
    drops?: [string, [string, number][]][];
  };
}

/** The facts of one run as plain JSON-able data. Times stay in µs since the epoch. */
export function factsToState(facts: CaptureFacts): FactsState {
  const rows: StateConnectionRow[] = [];
  const folded: StateFoldedRow[] = [];
  const h = facts.hints;
  const records: StateRecordTuple[] = [];
  const sets = facts.connections instanceof JoinedConnections ? facts.connections.parts : [facts.connections];
  for (const src of sets) {
    if (src instanceof TableConnections) {
      const t = src.table;
      const names = new AddressNames();
      const c = emptyConnection();
      const w = new Uint32Array(4);
      for (let id = 0; id < t.size; id++) {
        fillConnection(t, id, src.serverPorts, names, c);
        const addrA = names.format(t.address(id, 0, w));
        const addrB = names.format(t.address(id, 1, w));
        rows.push([
          connectionCommunityId(c), t.proto[id]!, addrA, t.portA[id]!, addrB, t.portB[id]!,
          t.packetCount(id << 1), t.packetCount((id << 1) | 1), t.bytes[id << 1]!, t.bytes[(id << 1) | 1]!,
          t.events[id << 1]!, t.events[(id << 1) | 1]!, t.handshake[id]!, t.icmpType[id]!, t.icmpCode[id]!,
          t.firstTs[id]!, t.lastTs[id]!, h?.sni.get(id) ?? null, h?.httpHost.get(id) ?? null,
        ]);
      }
      src.folded?.forEach(emptyConnection(), (a) => {
        const { clientAddr: _c, serverAddr: _s, ...rest } = a;
        folded.push({ ...rest, communityIds: [...(a.communityIds ?? [])] });
      });
    } else {
      src.forEach((c) => records.push(recordTuple(c, connectionCommunityId(c), h?.sni.get(c.id) ?? null, h?.httpHost.get(c.id) ?? null)));
    }
  }
  return {
    packets: facts.packets,
    bytes: facts.bytes,
    firstSeen: facts.firstSeen,
    lastSeen: facts.lastSeen,
    decodeErrors: { ...facts.decodeErrors },
    nonIpFrames: facts.nonIpFrames,
    ipv4Packets: facts.ipv4Packets,
    ipv6Packets: facts.ipv6Packets,
    inputs: facts.inputs.map((i) => ({ ...i })),
    connectionFields: STATE_CONNECTION_FIELDS,
    connections: rows,
    folded,
    attempts: (facts.attempts ?? []).map(attemptToState),
    recordFields: STATE_RECORD_FIELDS,
    records,
    hints: {
      dnsNames: h ? [...h.dnsNames].map(([a, list]) => [a, [...list]]) : [],
      epm: h ? [...h.epm] : [],
      icmp: h ? [...h.icmp] : [],
      foldedNames: h ? [...h.foldedNames].map(([k, v]) => [k, { sni: [...v.sni], host: [...v.host] }]) : [],
      drops: h ? [...h.drops].map(([k, by]) => [k, [...by]]) : [],
    },
  };
}
