/**
 * The union of several sensors' facts states (`merge`), back into facts. The merged facts go
 * through the same runAudit as the facts of one run, so a merge is the audit of all inputs at
 * once by construction. The state format itself is in facts_state.ts.
 *
 * Re-combining the entries of one 5-tuple (the table never splits a 5-tuple in a run):
 *  - from the same sensor: different packets (a sensor sees each packet once) → summed;
 *  - from different sensors whose times overlap (± the dedupe window): the same packets seen twice
 *    → counted once (per direction the larger count; event bits united);
 *  - from different sensors at disjoint times: different packets → summed.
 * The key is the 5-tuple (for ICMP the address pair, as the table keys it), which is what the
 * Community ID hashes; it does not depend on which ICMP type came first.
 */
import { parseAddressWords } from '../ip_text.js';
import { mergeAttemptStates } from './attempt_state.js';
import { emptyConnection, TableConnections, type Connection } from './connection.js';
import { ConnectionTable } from './connection_table.js';
import type { ServerPorts } from './direction.js';
import { JoinedConnections, type CaptureFacts, type ConnectionSet } from './facts.js';
import { recordRow, type FactsState, type StateConnectionRow, type StateRecordRow } from './facts_state.js';
import { FoldedConnections } from './fold.js';
import { HintStore } from './hint_store.js';
import type { IcmpQuote } from './icmp_quote.js';

export interface SensorFacts {
  sensor: string;
  facts: FactsState;
}

export interface MergeStats {
  /** Connection entries read from all parts. */
  entries: number;
  /** Entries of one sensor that continued a connection it had seen in an earlier file (summed). */
  continued: number;
  /** Entries counted once because another sensor saw the same connection at the same time. */
  duplicates: number;
  /** Packets and bytes those duplicates carried beyond the copy kept. */
  duplicatePackets: number;
  duplicateBytes: number;
}

interface Entry {
  row: StateConnectionRow;
  part: number;
  index: number;
}

function tupleKey(r: StateConnectionRow): string {
  const a = `${r[2]}|${r[3]}`;
  const b = `${r[4]}|${r[5]}`;
  return a < b ? `${r[1]}|${a}|${b}` : `${r[1]}|${b}|${a}`;
}

const flipSide = (nibble: number): number => (nibble === 0 ? 0 : 3 - nibble);

/** Adds `o` into `base` (same 5-tuple; `base` starts no later). `dedupe`: same packets seen twice. */
function combine(base: StateConnectionRow, o: StateConnectionRow, dedupe: boolean): void {
  const aligned = o[2] === base[2] && o[3] === base[3];
  const [pA, pB, bA, bB, eA, eB] = aligned ? [o[6], o[7], o[8], o[9], o[10], o[11]] : [o[7], o[6], o[9], o[8], o[11], o[10]];
  const f = dedupe ? Math.max : (x: number, y: number) => x + y;
  base[6] = f(base[6], pA);
  base[7] = f(base[7], pB);
  base[8] = f(base[8], bA);
  base[9] = f(base[9], bB);
  base[10] |= eA;
  base[11] |= eB;
  const hs = aligned ? o[12] : flipSide(o[12] & 0x0f) | (flipSide(o[12] >> 4) << 4);
  if ((base[12] & 0x0f) === 0) base[12] |= hs & 0x0f;
  if ((base[12] & 0xf0) === 0) base[12] |= hs & 0xf0;
  if (base[13] < 0 && o[13] >= 0) [base[13], base[14]] = [o[13], o[14]];
  if (o[15] < base[15]) base[15] = o[15];
  if (o[16] > base[16]) base[16] = o[16];
  base[17] ??= o[17];
  base[18] ??= o[18];
}

const order = (x: Entry, y: Entry): number => x.row[15] - y.row[15] || x.part - y.part || x.index - y.index;

/** Every connection row of every part, grouped by 5-tuple (either direction). */
function rowsByTuple(parts: SensorFacts[], stats: MergeStats): Map<string, Entry[]> {
  const byKey = new Map<string, Entry[]>();
  parts.forEach((p, part) =>
    p.facts.connections.forEach((row, index) => {
      stats.entries++;
      const k = tupleKey(row);
      let l = byKey.get(k);
      if (!l) byKey.set(k, (l = []));
      l.push({ row: [...row] as StateConnectionRow, part, index });
    }),
  );
  return byKey;
}

/** One 5-tuple's sightings as one connection: pieces of one sensor summed, overlapping sensors' de-duplicated. */
function mergeSightings(entries: Entry[], parts: SensorFacts[], windowUs: number, stats: MergeStats): Entry {
  // 1. Per sensor: the pieces of one connection in successive files are summed.
  const perSensor = new Map<string, Entry>();
  for (const e of [...entries].sort(order)) {
    const s = parts[e.part]!.sensor;
    const have = perSensor.get(s);
    if (!have) perSensor.set(s, e);
    else {
      combine(have.row, e.row, false);
      stats.continued++;
    }
  }
  // 2. Across sensors: overlapping sightings are the same packets, disjoint ones are not.
  const views = [...perSensor.values()].sort(order);
  const base = views[0]!;
  for (const v of views.slice(1)) {
    const overlap = v.row[15] <= base.row[16] + windowUs && base.row[15] <= v.row[16] + windowUs;
    if (overlap) {
      const before = base.row[6] + base.row[7] + v.row[6] + v.row[7];
      const bytesBefore = base.row[8] + base.row[9] + v.row[8] + v.row[9];
      combine(base.row, v.row, true);
      stats.duplicates++;
      stats.duplicatePackets += before - base.row[6] - base.row[7];
      stats.duplicateBytes += bytesBefore - base.row[8] - base.row[9];
    } else combine(base.row, v.row, false);
  }
  return base;
}

/** The merged rows, in time order, as a connection table (names of SNI and Host into `hints`). */
function tableOf(merged: Entry[], hints: HintStore): ConnectionTable {
  const table = new ConnectionTable(Math.max(1024, merged.length));
  const a = new Uint32Array(4);
  const b = new Uint32Array(4);
  for (const { row: r } of merged) {
    if (!parseAddressWords(r[2], a) || !parseAddressWords(r[4], b)) throw new Error(`state: bad address in ${r[2]} / ${r[4]}`);
    const id = table.lookup(r[1], a, r[3], b, r[5], r[15]);
    table.setPacketCount(id << 1, r[6]);
    table.setPacketCount((id << 1) | 1, r[7]);
    table.bytes[id << 1] = r[8];
    table.bytes[(id << 1) | 1] = r[9];
    table.events[id << 1] = r[10];
    table.events[(id << 1) | 1] = r[11];
    table.handshake[id] = r[12];
    table.icmpType[id] = r[13];
    table.icmpCode[id] = r[14];
    table.lastTs[id] = r[16];
    if (r[17] !== null) hints.setConnectionName('sni', id, r[17]);
    if (r[18] !== null) hints.setConnectionName('http-host', id, r[18]);
  }
  return table;
}

/** The parts' counters together (packets and bytes less what de-duplication removed). */
function counters(parts: SensorFacts[], stats: MergeStats): Omit<CaptureFacts, 'connections' | 'hints' | 'attempts'> {
  const sum = (f: (s: FactsState) => number): number => parts.reduce((n, p) => n + f(p.facts), 0);
  const times = (f: (s: FactsState) => number | null): number[] => parts.map((p) => f(p.facts)).filter((t): t is number => t !== null);
  const decodeErrors: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.facts.decodeErrors)) decodeErrors[k] = (decodeErrors[k] ?? 0) + n;
  const firsts = times((s) => s.firstSeen);
  const lasts = times((s) => s.lastSeen);
  return {
    packets: sum((s) => s.packets) - stats.duplicatePackets,
    bytes: sum((s) => s.bytes) - stats.duplicateBytes,
    firstSeen: firsts.length > 0 ? Math.min(...firsts) : null,
    lastSeen: lasts.length > 0 ? Math.max(...lasts) : null,
    decodeErrors,
    nonIpFrames: sum((s) => s.nonIpFrames),
    ipv4Packets: sum((s) => s.ipv4Packets),
    ipv6Packets: sum((s) => s.ipv6Packets),
    inputs: parts.flatMap((p) => p.facts.inputs),
  };
}

/**
 * One body of facts from several sensors' states. `windowUs`: how far apart two sensors' sightings
 * of a 5-tuple may be and still be the same packets (clock skew, single-packet flows).
 */
export function mergeFactsStates(parts: SensorFacts[], serverPorts: ServerPorts, windowUs: number): { facts: CaptureFacts; stats: MergeStats } {
  const stats: MergeStats = { entries: 0, continued: 0, duplicates: 0, duplicatePackets: 0, duplicateBytes: 0 };
  const merged = [...rowsByTuple(parts, stats).values()].map((entries) => mergeSightings(entries, parts, windowUs, stats));
  merged.sort(order);
  const hints = new HintStore();
  const table = tableOf(merged, hints);
  const folded = new FoldedConnections();
  for (const p of parts) {
    for (const f of p.facts.folded) folded.add({ ...f, clientAddr: words(f.client), serverAddr: words(f.server) });
  }
  mergeHints(parts, hints);
  const recordList = mergeRecords(parts, windowUs, stats);
  const tableSet = new TableConnections(table, serverPorts, folded.size > 0 ? folded : null);
  const records = new ListConnections(recordList, tableSet.size);
  recordList.forEach((r, i) => {
    if (r.sni !== null) hints.setConnectionName('sni', records.idBase + i, r.sni);
    if (r.httpHost !== null) hints.setConnectionName('http-host', records.idBase + i, r.httpHost);
  });
  const facts: CaptureFacts = {
    connections: recordList.length > 0 ? new JoinedConnections([tableSet, records]) : tableSet,
    ...counters(parts, stats),
    hints,
    attempts: mergeAttemptStates(parts.map((p) => p.facts.attempts ?? []), words),
  };
  return { facts, stats };
}

function words(text: string): Uint32Array {
  const w = new Uint32Array(4);
  parseAddressWords(text, w);
  return w;
}

/** Names, hand-outs and ICMP reports of all parts: first sighting kept; ICMP counts summed per sensor, the largest across sensors. */
function mergeHints(parts: SensorFacts[], into: HintStore): void {
  for (const p of parts) {
    for (const [addr, list] of p.facts.hints.dnsNames) for (const f of list) into.mergeDnsName(addr, f);
    into.mergeEpm(p.facts.hints.epm);
    for (const [k, v] of p.facts.hints.foldedNames) into.addFoldedNames(k, v.sni, v.host);
  }
  const perSensor = new Map<string, Map<string, IcmpQuote>>();
  for (const p of parts) {
    let m = perSensor.get(p.sensor);
    if (!m) perSensor.set(p.sensor, (m = new Map()));
    for (const [k, q] of p.facts.hints.icmp) {
      const have = m.get(k);
      if (!have) m.set(k, { ...q });
      else {
        have.count += q.count;
        if (q.firstTs < have.firstTs) Object.assign(have, { ...q, count: have.count });
      }
    }
  }
  for (const m of perSensor.values()) for (const [k, q] of m) into.mergeIcmp(k, q);
  mergeDrops(parts, into);
}

/** pktmon drop events: summed per sensor; across sensors the largest count of each kind (the same packets, seen twice). */
function mergeDrops(parts: SensorFacts[], into: HintStore): void {
  const perSensor = new Map<string, Map<string, Map<string, number>>>();
  for (const p of parts) {
    let m = perSensor.get(p.sensor);
    if (!m) perSensor.set(p.sensor, (m = new Map()));
    for (const [k, list] of p.facts.hints.drops ?? []) {
      let by = m.get(k);
      if (!by) m.set(k, (by = new Map()));
      for (const [why, n] of list) by.set(why, (by.get(why) ?? 0) + n);
    }
  }
  const best = new Map<string, Map<string, number>>();
  for (const m of perSensor.values()) {
    for (const [k, by] of m) {
      let b = best.get(k);
      if (!b) best.set(k, (b = new Map()));
      for (const [why, n] of by) b.set(why, Math.max(b.get(why) ?? 0, n));
    }
  }
  for (const [k, by] of best) for (const [why, n] of by) into.mergeDrop(k, why, n);
}

/**
 * Flow-log connections of all parts, in part order. A log record is a whole connection already:
 * one sensor's records are all kept (as one run keeps them); another sensor's record of the same
 * 5-tuple at an overlapping time is the same connection and is kept once (the one with more packets).
 */
function mergeRecords(parts: SensorFacts[], windowUs: number, stats: MergeStats): StateRecordRow[] {
  const out: (StateRecordRow & { sensor: string })[] = [];
  const byKey = new Map<string, number[]>();
  for (const p of parts) {
    for (const t of p.facts.records ?? []) {
      const r = recordRow(t);
      stats.entries++;
      const key = `${r.ipProto}|${r.client}|${r.clientPort}|${r.server}|${r.serverPort}`;
      const seen = byKey.get(key) ?? [];
      const dup = seen.find((k) => {
        const o = out[k]!;
        return o.sensor !== p.sensor && r.firstSeen <= o.lastSeen + windowUs && o.firstSeen <= r.lastSeen + windowUs;
      });
      if (dup !== undefined) {
        const o = out[dup]!;
        stats.duplicates++;
        stats.duplicatePackets += Math.min(o.packets, r.packets);
        stats.duplicateBytes += Math.min(o.bytes, r.bytes);
        if (r.packets > o.packets) out[dup] = { ...r, sensor: o.sensor };
        continue;
      }
      seen.push(out.length);
      byKey.set(key, seen);
      out.push({ ...r, sensor: p.sensor });
    }
  }
  return out.map(({ sensor: _s, ...r }) => r);
}

/** Oriented connections kept as rows (flow-log records of merged states), after the table's ids. */
class ListConnections implements ConnectionSet {
  constructor(
    private readonly rows: StateRecordRow[],
    readonly idBase: number,
  ) {}
  get size(): number {
    return this.rows.length;
  }
  get(id: number, c: Connection): Connection {
    const r = this.rows[id - this.idBase];
    if (!r) throw new RangeError(`no flow-log connection ${id}`);
    const { communityId: _i, sni: _s, httpHost: _h, ...rest } = r;
    const clientAddr = c.clientAddr;
    const serverAddr = c.serverAddr;
    Object.assign(c, rest, { id, clientAddr, serverAddr });
    parseAddressWords(r.client, clientAddr);
    parseAddressWords(r.server, serverAddr);
    return c;
  }
  forEach(visit: (c: Connection) => void): void {
    const c = emptyConnection();
    for (let i = 0; i < this.rows.length; i++) visit(this.get(this.idBase + i, c));
  }
  toArray(): Connection[] {
    const out: Connection[] = [];
    this.forEach((c) => out.push({ ...c, clientAddr: c.clientAddr.slice(), serverAddr: c.serverAddr.slice() }));
    return out;
  }
}
