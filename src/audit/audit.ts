/**
 * runAudit: connection facts + matrix + inventory → verdicts (policy). Pure apart from reading
 * its arguments: same inputs, same result object, in a stable order.
 */
import { adInfrastructureHint } from './ad_infrastructure.js';
import { RoleFit, fittingNearMisses } from './role_fit.js';
import { CommunityIdSample, connectionCommunityId } from '../flows/community_id.js';
import { emptyConnection, type Connection } from '../flows/connection.js';
import type { CaptureFacts } from '../flows/facts.js';
import type { Inventory, Matrix } from '../matrix/types.js';
import { VERSION } from '../version.js';
import { groupPort, isControlFlow, matchingRules, RuleMatcher } from './classify.js';
import { withNamesAndGroups } from './grouping.js';
import { Insights, type Ends, type NearMiss } from './insight.js';
import { ScanDetector } from './scans.js';
import {
  AUDIT_SCHEMA,
  type AuditResult,
  type RuleResult,
  type UnexpectedGroup,
} from './result.js';
import { isoMicros } from './time.js';
import { discoveredReport } from './discover/in_audit.js';
import { overallByteBasis, qualifyUnavailableNames } from './record_inputs.js';
import { unresolvedNames } from './unresolved.js';
import { decideVerdict } from './verdict.js';
import { inconclusiveSteps, nextSteps, vantageHint } from './next_steps.js';
import { visibleRoles } from './vantage.js';
import { compareGroups, sortAddresses, sortedRecord } from './address_order.js';
import { inputResult } from './input_result.js';
import { addToRule, finishStatus, ruleResult, zeroOutcomes, type RuleAcc } from './rule_acc.js';

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

interface GroupAcc {
  g: UnexpectedGroup;
  first: number;
  last: number;
  ids: CommunityIdSample;
}

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
  const matcher = new RuleMatcher(enabledRules);
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
    const matched = matcher.match(view, ends.client.byName === null && ends.server.byName === null);
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
  const fit = new RoleFit({ inventory, learnedNames: (a) => insight.names.learnedNames(a), kerberosServers: insight.kerberosServers });
  const unexpected = [...groups.entries()]
    .map(([key, a]) => ({ ...a.g, nearMisses: fittingNearMisses(a.g.nearMisses, fit), firstSeen: isoMicros(a.first), lastSeen: isoMicros(a.last), diagnosis: insight.groupDiagnosis(key), communityIds: a.ids.values() }))
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
  const ad = adInfrastructureHint(unexpected, matrix);
  if (ad !== null) result.adInfrastructure = ad;
  const hub = hubA !== null ? { address: hubA, roles: [...hubARoles] } : hubB !== null ? { address: hubB, roles: [...hubBRoles] } : null;
  qualifyUnavailableNames(result);
  result.nextSteps = [...inconclusiveSteps(result), ...nextSteps(result), ...vantageHint(result, hub, insight.labelled)];
  return withNamesAndGroups(result);
}

/** `inventory.discovered`, only for an inventory proposed by `flowaudit discover` (absent otherwise). */
function discoveredField(inventory: Inventory): { discovered?: ReturnType<typeof discoveredReport> } {
  const d = discoveredReport(inventory);
  return d === undefined ? {} : { discovered: d };
}
