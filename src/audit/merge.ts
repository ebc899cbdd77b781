/**
 * Merging sensors. `audit --emit-state` writes a partial result (`flowaudit/state@1`): the compact
 * connection facts the audit needs (flows/facts_state.ts), each input's window, drops and hash, and
 * the hashes of the matrix and inventory it was audited with. `merge` unites the facts of many
 * parts (a connection seen by two sensors at the same time counts once) and runs the same runAudit
 * over them, so the merged report is the audit of all inputs in one run by construction.
 *
 * What a merge adds to `flowaudit/audit@1`: `sensors[]` (each sensor's window, inputs, packets,
 * drops) and `merge` (parts, de-duplication counts, warnings); a missing rule's `reason` names the
 * windows it was missing over, since that is all a merge can claim.
 */
import { mergeFactsStates } from '../flows/facts_merge.js';
import type { FactsState } from '../flows/facts_state.js';
import type { Inventory, Matrix } from '../matrix/types.js';
import { parseAddressWords } from '../ip_text.js';
import { VERSION } from '../version.js';
import { auditFirewalls } from './firewall_verdict.js';
import type { FirewallHostInput } from './firewall_findings.js';
import { runAudit, type AuditOptions } from './audit.js';
import type { AuditResult, MergeInfo, SensorResult } from './result.js';
import { serverPortsFor } from './server_ports.js';
import { isoMicros } from './time.js';

export const STATE_SCHEMA = 'flowaudit/state@1';

export interface AuditState {
  schema: typeof STATE_SCHEMA;
  tool: { name: 'flowaudit'; version: string };
  generatedAt: string;
  /** The sensor (tap, site, capture host) these inputs came from: parts of one sensor are never de-duplicated against each other. */
  sensor: string;
  /** As the report's options (vantage and requireAllMembers re-applied by merge). */
  options: { scope: 'inventory' | 'all'; features: string[]; vantage?: string[]; requireAllMembers?: boolean };
  matrix: { name: string; version: string; origin: string; specs: string[]; sha256: string };
  inventory: { origin: string; sha256: string | null };
  facts: FactsState;
}

export class StateError extends Error {}

/** The state file of one audit: its facts (factsToState) with what it was audited against. */
export function buildState(sensor: string, result: AuditResult, matrixSpecs: string[], state: FactsState): AuditState {
  return {
    schema: STATE_SCHEMA,
    tool: { name: 'flowaudit', version: VERSION },
    generatedAt: result.generatedAt,
    sensor,
    options: {
      scope: result.options.scope,
      features: [...result.options.features],
      vantage: [...(result.options.vantage ?? [])],
      requireAllMembers: result.options.requireAllMembers === true,
    },
    matrix: { name: result.matrix.name, version: result.matrix.version, origin: result.matrix.origin, specs: [...matrixSpecs], sha256: result.matrix.sha256 },
    inventory: { origin: result.inventory.origin, sha256: result.inventory.sha256 },
    facts: state,
  };
}

const count = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const port = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 65535;

/** A connection row as factsToState writes it: addresses that parse, ports, counts and times that are numbers. */
function wellFormedRow(r: unknown, words: Uint32Array): boolean {
  if (!Array.isArray(r) || r.length !== 19) return false;
  if (typeof r[2] !== 'string' || typeof r[4] !== 'string' || !parseAddressWords(r[2], words) || !parseAddressWords(r[4], words)) return false;
  if (!port(r[1]) || r[1] > 255 || !port(r[3]) || !port(r[5])) return false;
  for (const k of [6, 7, 8, 9, 10, 11, 12, 15, 16]) if (!count(r[k])) return false;
  return Number.isInteger(r[13]) && Number.isInteger(r[14]); // ICMP type and code, -1 when none
}

/** Checks a parsed state file; `name` is used in messages. */
export function checkState(x: unknown, name: string): AuditState {
  const s = x as Partial<AuditState> | null;
  if (!s || typeof s !== 'object' || s.schema !== STATE_SCHEMA) {
    throw new StateError(`${name}: not a flowaudit state file (expected "schema": "${STATE_SCHEMA}"; write one with audit --emit-state)`);
  }
  const f = s.facts;
  if (typeof s.sensor !== 'string' || !f || !Array.isArray(f.connections) || !Array.isArray(f.inputs) || !s.matrix || !s.inventory || !s.options) {
    throw new StateError(`${name}: incomplete state file (sensor, options, matrix, inventory and facts are required)`);
  }
  const words = new Uint32Array(4);
  f.connections.forEach((r, i) => {
    if (!wellFormedRow(r, words)) throw new StateError(`${name}: connection ${i} is malformed`);
  });
  f.inputs.forEach((input, i) => {
    const info = input?.info;
    if (!input || typeof input.path !== 'string' || typeof input.sha256 !== 'string' || (info != null && (typeof info !== 'object' || !Array.isArray(info.interfaces)))) {
      throw new StateError(`${name}: input ${i} is malformed`);
    }
  });
  (f.attempts ?? []).forEach((a, i) => {
    if (!a || typeof a.server !== 'string' || typeof a.sources !== 'string' || !Number.isFinite(a.connections) || !a.outcomes || !a.states) {
      throw new StateError(`${name}: attempt aggregate ${i} is malformed`);
    }
  });
  return s as AuditState;
}

function sumDrops(inputs: FactsState['inputs']): SensorResult['drops'] {
  let ifDrop: number | null = null;
  let osDrop: number | null = null;
  for (const i of inputs) {
    for (const f of i.info?.interfaces ?? []) {
      if (f.ifDrop !== undefined) ifDrop = (ifDrop ?? 0) + f.ifDrop;
      if (f.osDrop !== undefined) osDrop = (osDrop ?? 0) + f.osDrop;
    }
  }
  return ifDrop === null && osDrop === null ? null : { ifDrop, osDrop };
}

const span = (s: SensorResult): string => `${s.name} ${s.firstSeen ?? '?'} – ${s.lastSeen ?? '?'}`;

/**
 * The audit of all parts' facts together. The matrix and inventory must be the ones every part
 * was audited with (same SHA-256), and so must scope and features.
 */
export function mergeStates(
  parts: { name: string; state: AuditState }[],
  matrix: Matrix,
  inventory: Inventory,
  opts: AuditOptions & { dedupeWindowSec: number; firewalls?: readonly FirewallHostInput[] },
): AuditResult {
  if (parts.length === 0) throw new StateError('merge needs at least one state file');
  for (const { name, state } of parts) {
    if (state.matrix.sha256 !== matrix.sha256) {
      throw new StateError(`${name} was audited with matrix ${state.matrix.origin} (sha256 ${state.matrix.sha256.slice(0, 12)}…), not ${matrix.origin} (${matrix.sha256.slice(0, 12)}…)`);
    }
    if (state.inventory.sha256 !== inventory.sha256) {
      throw new StateError(`${name} was audited with inventory ${state.inventory.origin} (sha256 ${String(state.inventory.sha256).slice(0, 12)}…), not ${inventory.origin} (${String(inventory.sha256).slice(0, 12)}…)`);
    }
    if (state.options.scope !== opts.scope) throw new StateError(`${name} was audited with --scope ${state.options.scope}, the merge uses ${opts.scope}`);
    const v = (x: AuditState) => `${[...(x.options.vantage ?? [])].sort().join(',')}|${x.options.requireAllMembers === true}`;
    if (v(state) !== v(parts[0]!.state)) throw new StateError(`${name} was audited with other --vantage / --require-all-members options than ${parts[0]!.name}`);
  }
  const inputs = new Map<string, string>();
  for (const { name, state } of parts) {
    for (const i of state.facts.inputs) {
      if (i.sha256 === null) continue;
      const other = inputs.get(i.sha256);
      if (other !== undefined) throw new StateError(`input ${i.path} (sha256 ${i.sha256.slice(0, 12)}…) is in both ${other} and ${name}: it would be counted twice`);
      inputs.set(i.sha256, name);
    }
  }
  const windowUs = opts.dedupeWindowSec * 1e6;
  const { facts, stats } = mergeFactsStates(
    parts.map((p) => ({ sensor: p.state.sensor, facts: p.state.facts })),
    serverPortsFor(matrix),
    windowUs,
  );
  const features = [...new Set([...opts.features, ...parts.flatMap((p) => p.state.options.features)])];
  const first = parts[0]!.state.options;
  const { firewalls = [], dedupeWindowSec: _w, ...auditOpts } = opts;
  const plain = runAudit(facts, matrix, inventory, { ...auditOpts, features, vantage: first.vantage ?? [], requireAllMembers: first.requireAllMembers === true });
  const result = auditFirewalls(plain, facts.connections, matrix, inventory, firewalls); // issue 21: merge --firewall

  const sensors = new Map<string, SensorResult & { first: number | null; last: number | null }>();
  const warnings: string[] = [];
  for (const { name, state } of parts) {
    const f = state.facts;
    let s = sensors.get(state.sensor);
    if (s && f.firstSeen !== null && s.first !== null && s.last !== null && f.lastSeen !== null && f.firstSeen <= s.last && s.first <= f.lastSeen) {
      warnings.push(`parts of sensor "${state.sensor}" overlap in time (${s.parts.join(', ')} and ${name}): their connections are summed, not de-duplicated; if they come from different taps, give each its own --sensor name`);
    }
    if (!s) {
      s = { name: state.sensor, parts: [], inputs: [], firstSeen: null, lastSeen: null, packets: 0, connections: 0, drops: null, first: null, last: null };
      sensors.set(state.sensor, s);
    }
    s.parts.push(name);
    s.inputs.push(...f.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })));
    s.packets += f.packets;
    s.connections += f.connections.length + f.folded.reduce((n, a) => n + a.count, 0);
    if (f.firstSeen !== null && (s.first === null || f.firstSeen < s.first)) s.first = f.firstSeen;
    if (f.lastSeen !== null && (s.last === null || f.lastSeen > s.last)) s.last = f.lastSeen;
    const d = sumDrops(f.inputs);
    if (d) s.drops = { ifDrop: add(s.drops?.ifDrop ?? null, d.ifDrop), osDrop: add(s.drops?.osDrop ?? null, d.osDrop) };
  }
  const sensorList: SensorResult[] = [...sensors.values()].map(({ first, last, ...s }) => ({
    ...s,
    firstSeen: first === null ? null : isoMicros(first),
    lastSeen: last === null ? null : isoMicros(last),
  }));
  const windows = sensorList.map(span).join('; ');
  for (const r of result.rules) {
    if (r.status === 'missing') r.reason = `no matching traffic in the windows the sensors covered (${windows})`;
  }
  const dropped = sensorList.filter((s) => (s.drops?.ifDrop ?? 0) + (s.drops?.osDrop ?? 0) > 0);
  if (dropped.length > 0) {
    result.nextSteps.push(`Sensors dropped packets (${dropped.map((s) => `${s.name}: ${(s.drops?.ifDrop ?? 0) + (s.drops?.osDrop ?? 0)}`).join(', ')}): a missing or failed rule may be a capture gap.`);
  }
  warnings.push(...foldedAttemptOverlaps(parts));
  for (const w of warnings) result.nextSteps.push(w);
  const info: MergeInfo = { parts: parts.length, dedupeWindowSec: opts.dedupeWindowSec, ...stats, warnings };
  return { ...result, sensors: sensorList, merge: info };
}

/**
 * Folded attempts (a flood's one-packet connections beyond the table's budget) are kept per
 * (protocol, server, port) without their 5-tuples, so merge cannot de-duplicate what two sensors
 * both saw: it sums them. Where sensors of different names folded attempts to the same target over
 * overlapping times, say that the merged count is an upper bound.
 */
export function foldedAttemptOverlaps(parts: readonly { name: string; state: AuditState }[]): string[] {
  const seen = new Map<string, { sensor: string; first: number; last: number }[]>();
  const out: string[] = [];
  for (const { state } of parts) {
    for (const a of state.facts.attempts ?? []) {
      const k = `${a.protocol} ${a.server}${a.port === null ? ' (many ports)' : `/${a.port}`}`;
      const list = seen.get(k) ?? [];
      const other = list.find((x) => x.sensor !== state.sensor && a.firstSeen <= x.last && x.first <= a.lastSeen);
      if (other && !out.some((w) => w.includes(`to ${k}:`))) {
        out.push(`sensors "${other.sensor}" and "${state.sensor}" both folded attempts to ${k}: folded attempts keep no 5-tuples, so the merge sums them and counts any both saw twice (an upper bound)`);
      }
      list.push({ sensor: state.sensor, first: a.firstSeen, last: a.lastSeen });
      seen.set(k, list);
    }
  }
  return out;
}

function add(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}

const CONNECTIONS_MARK = '\u0000connections\u0000';
const RECORDS_MARK = '\u0000records\u0000';

/**
 * The state as JSON text in pieces (the connection and record arrays in batches of 10,000 rows),
 * so a week of connections is never one string. Concatenated, the pieces are one JSON document.
 */
export function* stateJsonChunks(state: AuditState): Generator<string> {
  const { connections, records = [] } = state.facts;
  const head = JSON.stringify({ ...state, facts: { ...state.facts, connections: CONNECTIONS_MARK, records: RECORDS_MARK } });
  const [before, rest] = head.split(JSON.stringify(CONNECTIONS_MARK)) as [string, string];
  const [middle, after] = rest.split(JSON.stringify(RECORDS_MARK)) as [string, string];
  yield* [before];
  yield* rows(connections);
  yield middle;
  yield* rows(records);
  yield `${after}\n`;
}

function* rows(list: readonly unknown[]): Generator<string> {
  yield '[';
  for (let i = 0; i < list.length; i += 10_000) {
    yield (i > 0 ? ',' : '') + list.slice(i, i + 10_000).map((r) => JSON.stringify(r)).join(',');
  }
  yield ']';
}
