/**
 * runAudit: connection facts + matrix + inventory → verdicts (policy). Pure apart from reading
 * its arguments: same inputs, same result object, in a stable order.
 */
import { linkTypeName } from '../decode/enums.js';
import type { Outcome } from '../flows/conn_state.js';
import { CommunityIdSample, connectionCommunityId } from '../flows/community_id.js';
import type { Connection } from '../flows/connection.js';
import type { CaptureFacts } from '../flows/facts.js';
import type { Inventory, Matrix, MatrixRule } from '../matrix/types.js';
import { VERSION } from '../version.js';
import { groupPort, isControlFlow, matchingRules } from './classify.js';
import { withNamesAndGroups } from './grouping.js';
import { emptyConnection } from '../flows/connection.js';
import { Insights, type Ends, type NearMiss } from './insight.js';
import { ScanDetector } from './scans.js';
import {
  AUDIT_SCHEMA,
  type AuditResult,
  type InputResult,
  type OutcomeCounts,
  type RuleResult,
  type StateCounts,
  type UnexpectedGroup,
  type AuditWarning,
} from './result.js';
import { isoMicros } from './time.js';
import { discoveredReport } from './discover/in_audit.js';
import { overallByteBasis, qualifyUnavailableNames, recordInputWarnings } from './record_inputs.js';
import { unresolvedNames } from './unresolved.js';
import { decideVerdict } from './verdict.js';
import { inconclusiveSteps, nextSteps, vantageHint } from './next_steps.js';
import { visibleRoles } from './vantage.js';

export interface AuditOptions {
  scope: 'inventory' | 'all';
  /** Features enabled on the command line (added to the inventory's). */
  features: string[];
  generatedAt: string;
  /** Issue 8: roles whose hosts the capture was taken on (--vantage; live --as implies it). */
  vantage?: string[];
  /** Issue 8: every listed destination member must be reached (--require-all-members). */
  requireAllMembers?: boolean;
  /** Issue 8: live --as ROLE and the addresses it added to the inventory (recorded for verify). */
  as?: { role: string; addresses: string[] } | null;
}

/** Most addresses listed per rule in `clients`/`servers`. */
const MAX_LISTED = 50;

interface RuleAcc {
  rule: MatrixRule;
  enabled: boolean;
  /** False when neither end's role holds a --vantage host. */
  visible: boolean;
  reason: string | null;
  connections: number;
  packets: number;
  bytes: number;
  outcomes: OutcomeCounts;
  states: StateCounts;
  clients: Set<string>;
  servers: Set<string>;
  /** First and last time (µs) of a matched connection. */
  first: number;
  last: number;
}

interface GroupAcc {
  g: UnexpectedGroup;
  first: number;
  last: number;
  ids: CommunityIdSample;
}

const zeroOutcomes = (): OutcomeCounts => ({ answered: 0, refused: 0, unanswered: 0 });

export function runAudit(facts: CaptureFacts, matrix: Matrix, inventory: Inventory, opts: AuditOptions): AuditResult {
  const features = [...new Set([...inventory.features, ...opts.features])].sort();
  const roleHasMembers = new Set<string>();
  for (const r of inventory.roles) if (r.members.length > 0) roleHasMembers.add(r.name);
  for (const r of matrix.roles) if (r.hosts && r.hosts.length > 0) roleHasMembers.add(r.name);
  const vantage = [...new Set(opts.vantage ?? [])];
  const visible = visibleRoles(vantage, matrix, inventory);

  const accs: RuleAcc[] = matrix.rules.map((rule) => {
    let enabled = true;
    let reason: string | null = null;
    if (rule.requirement === 'conditional' && rule.feature && !features.includes(rule.feature)) {
      enabled = false;
      reason = `feature "${rule.feature}" is not enabled`;
    } else {
      const empty = [rule.source, rule.destination].filter((r) => !roleHasMembers.has(r));
      if (empty.length > 0) {
        enabled = false;
        reason = `no inventory members for role ${empty.map((r) => `"${r}"`).join(' and ')}`;
      }
    }
    const seen = visible === null || visible.has(rule.source) || visible.has(rule.destination);
    return {
      rule,
      enabled,
      visible: seen,
      reason,
      connections: 0,
      packets: 0,
      bytes: 0,
      outcomes: zeroOutcomes(),
      states: {},
      clients: new Set(),
      servers: new Set(),
      first: Infinity,
      last: -Infinity,
    };
  });
  const accById = new Map(accs.map((a) => [a.rule.id, a]));
  const enabledRules = accs.filter((a) => a.enabled).map((a) => a.rule);
  const disabledRules = accs.filter((a) => !a.enabled).map((a) => a.rule);

  // Roles per end: the inventory's addresses (cached per address) plus names learned in the capture.
  const insight = new Insights(facts.hints, inventory);

  const groups = new Map<string, GroupAcc>();
  const scans = new ScanDetector();
  let inScope = 0;
  let outOfScope = 0;
  let control = 0;
  let touching = 0;
  let hubA: string | null = null;
  let hubB: string | null = null;
  let hubARoles: readonly string[] = [];
  let hubBRoles: readonly string[] = [];
  facts.connections.forEach((c) => {
    if (isControlFlow(c)) {
      control += c.count;
      return;
    }
    const ends = insight.roles(c);
    const clientRoles = ends.client.roles;
    const serverRoles = ends.server.roles;
    if (clientRoles.length > 0 || serverRoles.length > 0) touching += c.count;
    if (opts.scope === 'inventory' && clientRoles.length === 0 && serverRoles.length === 0) {
      outOfScope += c.count;
      return;
    }
    inScope += c.count;
    insight.inScope(c);
    // The host every in-scope connection touches, if any (the vantage hint in the next steps).
    if (inScope === c.count) {
      hubA = clientRoles.length > 0 ? c.client : null;
      hubARoles = clientRoles;
      hubB = serverRoles.length > 0 ? c.server : null;
      hubBRoles = serverRoles;
    } else {
      if (hubA !== null && hubA !== c.client && hubA !== c.server) hubA = null;
      if (hubB !== null && hubB !== c.client && hubB !== c.server) hubB = null;
    }
    const view = { protocol: c.protocol, serverPort: c.serverPort, clientRoles, serverRoles };
    const matched = matchingRules(view, enabledRules);
    if (matched.length > 0) {
      for (const rule of matched) {
        addToRule(accById.get(rule.id)!, c);
        insight.onRule(rule, c, ends);
      }
      return;
    }
    if (scans.add(c, clientRoles)) return; // a scanner's probe (counted there) or held until the scanners are known
    addToGroup(c, ends);
  });
  // Held unanswered connections of clients that did not turn out to be scanners: unexpected flows as usual.
  const held = emptyConnection();
  for (const id of scans.release()) addToGroup(facts.connections.get(id, held), insight.roles(held));

  function addToGroup(c: Connection, ends: Ends): void {
    const clientRoles = ends.client.roles;
    const serverRoles = ends.server.roles;
    const view = { protocol: c.protocol, serverPort: c.serverPort, clientRoles, serverRoles };
    const port = groupPort(c);
    const key = `${c.client}|${c.server}|${c.protocol}|${port}`;
    let acc = groups.get(key);
    if (!acc) {
      acc = {
        g: {
          client: c.client,
          server: c.server,
          protocol: c.protocol,
          port,
          clientRoles: [...clientRoles],
          serverRoles: [...serverRoles],
          connections: 0,
          packets: 0,
          bytes: 0,
          outcomes: zeroOutcomes(),
          states: {},
          firstSeen: '',
          lastSeen: '',
          disabledRules: matchingRules(view, disabledRules).map((r) => r.id),
          nearMisses: insight.nearMisses(c, ends, enabledRules),
        },
        first: c.firstSeen,
        last: c.lastSeen,
        ids: new CommunityIdSample(),
      };
      groups.set(key, acc);
    }
    const g = acc.g;
    insight.onGroup(key, c);
    g.connections += c.count;
    g.packets += c.packets;
    g.bytes += c.bytes;
    g.outcomes[c.outcome] += c.count;
    g.states[c.state] = (g.states[c.state] ?? 0) + c.count;
    if (c.firstSeen < acc.first) acc.first = c.firstSeen;
    if (c.lastSeen > acc.last) acc.last = c.lastSeen;
    const cid = connectionCommunityId(c);
    if (cid !== null) acc.ids.add(cid);
    else for (const x of c.communityIds ?? []) acc.ids.add(x);
  }

  const matrixDefaults = new Set(matrix.roles.flatMap((r) => r.hosts ?? []));
  const warnings = unresolvedNames(facts.hints, inventory, accs.filter((a) => a.enabled && a.visible).map((a) => a.rule), matrixDefaults);
  const rules: RuleResult[] = accs.map((a) => {
    const fields = insight.ruleFields(a.rule, a.enabled, inventory.roles, sortAddresses);
    return finishStatus({ ...ruleResult(a), ...fields }, a, opts.requireAllMembers === true, vantage, warnings, inventory.roles, insight.nameOf);
  });
  const unexpected = [...groups.entries()]
    .map(([key, a]) => ({ ...a.g, firstSeen: isoMicros(a.first), lastSeen: isoMicros(a.last), diagnosis: insight.groupDiagnosis(key), communityIds: a.ids.values() }))
    .sort(compareGroups);
  const nearMisses: NearMiss[] = unexpected.flatMap((g) =>
    (g.nearMisses ?? []).map((n) => {
      const base = { ...n, client: g.client, server: g.server, protocol: g.protocol, port: g.port, connections: g.connections };
      return { ...base, text: insight.nearMissText(base) };
    }),
  );

  const enforced = rules.filter((r) => r.enforced);
  const missingRequired = enforced.filter((r) => r.status === 'missing');
  const failedRequired = enforced.filter((r) => r.status === 'failed');
  const unexpectedConnections = unexpected.reduce((n, g) => n + g.connections, 0);
  const inputs = facts.inputs.map(inputResult);
  const inputErrors = inputs.filter((i) => i.error !== null).length;

  const scanFindings = scans.findings(insight.short);
  const decided = decideVerdict({
    rules,
    unexpected,
    inputs,
    packets: facts.packets,
    touchingInventory: touching,
    inventoryGiven: inventory.origin !== '(none)' || (opts.as ?? null) !== null,
    vantage,
    // Issue 13: a scanning client is a violation of its own (its probes are not listed one flow per port).
    extraViolations: scanFindings.map((f) => `scanning client ${f.client}: ${f.probes} unexpected connection${f.probes === 1 ? '' : 's'} to ${f.ports} port${f.ports === 1 ? '' : 's'} on ${f.hosts} host${f.hosts === 1 ? '' : 's'}, ${f.answered} answered`),
  });

  const roles: Record<string, string[]> = {};
  // Code-unit order, not localeCompare: the same in every locale, and no ICU collator to load (~10 ms).
  for (const r of [...inventory.roles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    roles[r.name] = r.members.map((m) => m.text);
  }

  const result: AuditResult = {
    schema: AUDIT_SCHEMA,
    verdict: decided.verdict,
    verdictReasons: decided.reasons,
    generatedAt: opts.generatedAt,
    tool: { name: 'flowaudit', version: VERSION },
    options: { scope: opts.scope, features, vantage, requireAllMembers: opts.requireAllMembers === true, as: opts.as ?? null },
    summary: {
      packets: facts.packets,
      bytes: facts.bytes,
      connections: facts.connections.size,
      connectionsInScope: inScope,
      connectionsOutOfScope: outOfScope,
      unexpected: unexpected.length,
      unexpectedConnections,
      rulesObserved: rules.filter((r) => r.status === 'observed').length,
      missingRequired: missingRequired.length,
      failedRequired: failedRequired.length,
      decodeErrors: sortedRecord(facts.decodeErrors),
      nonIpFrames: facts.nonIpFrames,
      controlFlows: control,
      inputErrors,
      firstSeen: facts.firstSeen === null ? null : isoMicros(facts.firstSeen),
      lastSeen: facts.lastSeen === null ? null : isoMicros(facts.lastSeen),
      byteBasis: overallByteBasis(inputs),
      partialRequired: enforced.filter((r) => r.status === 'partial').length,
      rulesNotVisible: rules.filter((r) => r.status === 'not-visible').length,
      connectionsTouchingInventory: touching,
    },
    rules,
    unexpected,
    inputs,
    matrix: {
      name: matrix.name,
      version: matrix.version,
      source: matrix.source,
      sha256: matrix.sha256,
      origin: matrix.origin,
    },
    inventory: { origin: inventory.origin, sha256: inventory.sha256, roles, features: [...inventory.features].sort(), ...discoveredField(inventory) },
    nextSteps: [],
    names: insight.namesBlock(sortAddresses),
    nearMisses,
    scans: scanFindings,
    warnings,
  };
  const hub = hubA !== null ? { address: hubA, roles: [...hubARoles] } : hubB !== null ? { address: hubB, roles: [...hubBRoles] } : null;
  qualifyUnavailableNames(result);
  result.nextSteps = [...inconclusiveSteps(result), ...nextSteps(result), ...vantageHint(result, hub, insight.labelled)];
  return withNamesAndGroups(result);
}

function addToRule(a: RuleAcc, c: Connection): void {
  a.connections += c.count; // > 1 for an aggregate of folded idle connections (live capture)
  a.packets += c.packets;
  a.bytes += c.bytes;
  a.outcomes[c.outcome as Outcome] += c.count;
  a.states[c.state] = (a.states[c.state] ?? 0) + c.count;
  a.clients.add(c.client);
  a.servers.add(c.server);
  if (c.firstSeen < a.first) a.first = c.firstSeen;
  if (c.lastSeen > a.last) a.last = c.lastSeen;
}

function ruleResult(a: RuleAcc): RuleResult {
  const r = a.rule;
  let status: RuleResult['status'];
  if (!a.enabled) status = 'not-applicable';
  else if (a.connections === 0 && !a.visible) status = 'not-visible';
  else if (a.connections === 0) status = 'missing';
  else if (a.outcomes.answered > 0) status = 'observed';
  else status = 'failed';
  const enforced = a.enabled && a.visible && r.requirement !== 'optional';
  return {
    id: r.id,
    source: r.source,
    destination: r.destination,
    protocol: r.protocol,
    ports: [...r.ports],
    requirement: r.requirement,
    feature: r.feature ?? null,
    service: r.service ?? null,
    description: r.description,
    row: r.row ?? null,
    status,
    reason: status === 'not-applicable' ? a.reason : null,
    enforced,
    connections: a.connections,
    packets: a.packets,
    bytes: a.bytes,
    outcomes: a.outcomes,
    states: sortedRecord(a.states),
    clients: sortAddresses(a.clients).slice(0, MAX_LISTED),
    servers: sortAddresses(a.servers).slice(0, MAX_LISTED),
    firstSeen: a.connections > 0 ? isoMicros(a.first) : null,
    lastSeen: a.connections > 0 ? isoMicros(a.last) : null,
    trigger: r.trigger ?? null,
  };
}

/**
 * The statuses that need the insight fields: `partial` (some members failed while others answered;
 * with --require-all-members also a listed member never tried), and the reasons for not-visible and
 * for missing rules whose host names never resolved.
 */
function finishStatus(
  r: RuleResult,
  a: RuleAcc,
  requireAll: boolean,
  vantage: string[],
  warnings: AuditWarning[],
  members: Inventory['roles'],
  nameOf: (address: string) => string | null,
): RuleResult {
  if (!a.visible && r.status !== 'not-applicable') {
    const seen = r.connections > 0 ? ` (${r.connections} connection${r.connections === 1 ? '' : 's'} seen anyway)` : '';
    r.reason = `not visible from the vantage ${vantage.join(', ')}: neither ${r.source} nor ${r.destination} holds a host where the capture was taken${seen}`;
    r.memberFailures = [];
    return r;
  }
  const failures = r.status === 'observed' ? [...(r.memberFailures ?? [])] : [];
  if (requireAll && r.status === 'observed') {
    for (const c of r.coverage ?? []) {
      if (c.status !== 'never-tried') continue;
      const name = c.name ?? (c.kind === 'ipv4' || c.kind === 'ipv6' ? nameOf(c.member) : null);
      const who = name ? `${name} (${c.member})` : c.member;
      failures.push({ side: 'member', address: c.member, name: c.name, protocol: r.protocol, port: '', how: 'never-tried', attempts: 0, text: `${who} never tried (--require-all-members)` });
    }
  }
  r.memberFailures = failures;
  if (failures.length > 0) {
    r.status = 'partial';
    r.reason = `answered, but ${failures.map((f) => f.text).join('; ')}`;
  }
  if (r.status === 'missing') {
    // Only the names of a role that has no address member explain a missing rule.
    const nameOnly = (role: string): boolean => !(members.find((m) => m.name === role)?.members ?? []).some((m) => m.kind !== 'host' && m.kind !== 'suffix');
    const names = warnings.filter((w) => w.rules.includes(r.id) && w.roles.some((role) => (role === r.source || role === r.destination) && nameOnly(role))).map((w) => w.name);
    if (names.length > 0) r.reason = `no matching traffic; the inventory host name${names.length === 1 ? '' : 's'} ${names.join(', ')} never resolved in the capture (no DNS answer, TLS SNI or HTTP Host named ${names.length === 1 ? 'it' : 'them'})`;
  }
  return r;
}

function inputResult(i: CaptureFacts['inputs'][number]): InputResult {
  const info = i.info;
  const linkTypes = info ? [...new Set(info.interfaces.map((f) => f.linkType))].sort((a, b) => a - b).map(linkTypeName) : [];
  let drops: InputResult['drops'] = null;
  if (info) {
    let ifDrop: number | null = null;
    let osDrop: number | null = null;
    for (const f of info.interfaces) {
      if (f.ifDrop !== undefined) ifDrop = (ifDrop ?? 0) + f.ifDrop;
      if (f.osDrop !== undefined) osDrop = (osDrop ?? 0) + f.osDrop;
    }
    if (ifDrop !== null || osDrop !== null) drops = { ifDrop, osDrop };
  }
  return {
    path: i.path,
    sha256: i.sha256,
    format: i.format,
    byteOrder: info?.byteOrder ?? null,
    version: info?.version ?? null,
    linkTypes,
    interfaces: info?.interfaces.length ?? 0,
    packets: i.packets,
    bytes: i.bytes,
    firstSeen: i.firstSeen === null ? null : isoMicros(i.firstSeen),
    lastSeen: i.lastSeen === null ? null : isoMicros(i.lastSeen),
    truncated: info?.truncated ?? false,
    warnings: info ? info.warnings.map((w) => ({ offset: w.offset, message: w.message })) : i.records ? recordInputWarnings(i.path, i.records) : [],
    error: i.error,
    drops,
    ...(info?.live ? { live: info.live } : {}),
    byteBasis: i.byteBasis ?? (info ? 'frame' : null),
    ...(i.records ? { records: i.records } : {}),
    origin: i.origin ?? (i.format === 'live' ? 'live' : 'file'),
    compression: i.compression ?? null,
    storedBytes: i.storedBytes ?? null,
    copiesCollapsed: i.copiesCollapsed ?? null,
  };
}

/** IPv4 dotted quad → uint32 without allocating; -1 if not IPv4. */
function ipv4Value(s: string): number {
  let n = 0;
  let part = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
      dots++;
    } else if (c >= 48 && c <= 57) part = part * 10 + (c - 48);
    else return -1;
  }
  return dots === 3 ? n * 256 + part : -1;
}

/** Numeric-aware address order (IPv4 by value first, then IPv6 as text). */
export function compareAddr(a: string, b: string): number {
  const va = ipv4Value(a);
  const vb = ipv4Value(b);
  if (va >= 0 && vb >= 0) return va - vb;
  if (va >= 0) return -1;
  if (vb >= 0) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorted copy, computing each address's sort key once. */
export function sortAddresses(xs: Iterable<string>): string[] {
  const keyed = [...xs].map((s) => ({ s, v: ipv4Value(s) }));
  keyed.sort((a, b) => (a.v >= 0 && b.v >= 0 ? a.v - b.v : a.v >= 0 ? -1 : b.v >= 0 ? 1 : a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
  return keyed.map((k) => k.s);
}

function compareGroups(a: UnexpectedGroup, b: UnexpectedGroup): number {
  return (
    compareAddr(a.server, b.server) ||
    (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0) ||
    a.port - b.port ||
    compareAddr(a.client, b.client)
  );
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
/** `inventory.discovered`, only for an inventory proposed by `flowaudit discover` (absent otherwise). */
function discoveredField(inventory: Inventory): { discovered?: ReturnType<typeof discoveredReport> } {
  const d = discoveredReport(inventory);
  return d === undefined ? {} : { discovered: d };
}
