/**
 * runAudit: connection facts + matrix + inventory → verdicts (policy). Pure apart from reading
 * its arguments: same inputs, same result object, in a stable order.
 */
import { adInfrastructureHint } from './ad_infrastructure.js';
import { RoleFit } from './role_fit.js';
import { emptyConnection } from '../flows/connection.js';
import type { CaptureFacts } from '../flows/facts.js';
import type { Inventory, Matrix } from '../matrix/types.js';
import { VERSION } from '../version.js';
import { isControlFlow, RuleMatcher, type RoleView } from './classify.js';
import { withNamesAndGroups } from './grouping.js';
import { HubTracker } from './hub.js';
import { Insights } from './insight.js';
import { floodReason } from './flood.js';
import { ScanDetector } from './scans.js';
import { AUDIT_SCHEMA, type AuditResult, type AuditSummary, type InputResult, type RuleResult, type UnexpectedGroup } from './result.js';
import { isoMicros } from './time.js';
import { discoveredReport } from './discover/in_audit.js';
import { overallByteBasis, qualifyUnavailableNames } from './record_inputs.js';
import { unresolvedNames } from './unresolved.js';
import { decideVerdict } from './verdict.js';
import { damageReasons } from './damage.js';
import { inconclusiveSteps, nextSteps, vantageHint } from './next_steps.js';
import { visibleRoles } from './vantage.js';
import { sortAddresses, sortedRecord } from './address_order.js';
import { inputResult } from './input_result.js';
import { addToRule, finishStatus, ruleAccumulators, ruleResult, type RuleAcc } from './rule_acc.js';
import { nearMissesOf, UnexpectedGroups } from './unexpected_groups.js';
import { dropNamer } from './drops.js';

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
  /** Issue 17: --accept-damaged: a damaged input does not by itself make a pass inconclusive (recorded in options). */
  acceptDamaged?: boolean;
}

/** What walking the connections yields: counts, rule accumulators filled, groups, scans, hub. */
interface Walk {
  inScope: number;
  outOfScope: number;
  control: number;
  touching: number;
  groups: UnexpectedGroups;
  scans: ScanDetector;
  hub: HubTracker;
}

export function runAudit(facts: CaptureFacts, matrix: Matrix, inventory: Inventory, opts: AuditOptions): AuditResult {
  const features = [...new Set([...inventory.features, ...opts.features])].sort();
  const vantage = [...new Set(opts.vantage ?? [])];
  const accs = ruleAccumulators(matrix, inventory, features, visibleRoles(vantage, matrix, inventory));
  // Roles per end: the inventory's addresses (cached per address) plus names learned in the capture.
  const insight = new Insights(facts.hints, inventory, dropNamer(facts.inputs));
  const walk = walkConnections(facts, accs, insight, opts.scope);

  const matrixDefaults = new Set(matrix.roles.flatMap((r) => r.hosts ?? []));
  const warnings = unresolvedNames(facts.hints, inventory, accs.filter((a) => a.enabled && a.visible).map((a) => a.rule), matrixDefaults);
  const rules: RuleResult[] = accs.map((a) => {
    const fields = insight.ruleFields(a.rule, a.enabled, inventory.roles, sortAddresses);
    return finishStatus({ ...ruleResult(a), ...fields }, a, opts.requireAllMembers === true, vantage, warnings, inventory.roles, insight.nameOf);
  });
  const fit = new RoleFit({ inventory, learnedNames: (a) => insight.names.learnedNames(a), kerberosServers: insight.kerberosServers });
  const unexpected = walk.groups.results(fit);
  const inputs = facts.inputs.map(inputResult);
  const scanFindings = walk.scans.findings(insight.short);
  const floods = walk.groups.floods();
  const decided = decideVerdict({
    rules,
    unexpected,
    inputs,
    packets: facts.packets,
    touchingInventory: walk.touching,
    inventoryGiven: inventory.origin !== '(none)' || (opts.as ?? null) !== null,
    vantage,
    damage: damageReasons(inputs, facts.decodeErrors),
    acceptDamaged: opts.acceptDamaged === true,
    // Issue 13: a scanning client is a violation of its own (its probes are not listed one flow per port).
    extraViolations: [
      ...scanFindings.map((f) => `scanning client ${f.client}: ${f.probes} unexpected connection${f.probes === 1 ? '' : 's'} to ${f.ports} port${f.ports === 1 ? '' : 's'} on ${f.hosts} host${f.hosts === 1 ? '' : 's'}, ${f.answered} answered`),
      // A flood past the budget: its unanswered connections are one entry per target, not one flow per source.
      ...[floodReason(floods)].filter((x): x is string => x !== null),
    ],
  });

  const ad = adInfrastructureHint(unexpected, matrix);
  const result: AuditResult = {
    schema: AUDIT_SCHEMA,
    verdict: decided.verdict,
    verdictReasons: decided.reasons,
    generatedAt: opts.generatedAt,
    tool: { name: 'flowaudit', version: VERSION },
    options: { scope: opts.scope, features, vantage, requireAllMembers: opts.requireAllMembers === true, as: opts.as ?? null, ...(opts.acceptDamaged ? { acceptDamaged: true } : {}) },
    summary: auditSummary(facts, walk, rules, unexpected, inputs),
    rules,
    unexpected,
    inputs,
    matrix: { name: matrix.name, version: matrix.version, source: matrix.source, sha256: matrix.sha256, origin: matrix.origin },
    inventory: inventoryField(inventory),
    nextSteps: [],
    names: insight.namesBlock(sortAddresses),
    nearMisses: nearMissesOf(unexpected, insight),
    scans: scanFindings,
    ...(floods.length > 0 ? { floods } : {}),
    warnings,
    ...(ad !== null ? { adInfrastructure: ad } : {}),
    unexpectedByServer: [], // filled by withNamesAndGroups, once every name is known
  };
  qualifyUnavailableNames(result);
  result.nextSteps = [...inconclusiveSteps(result), ...nextSteps(result), ...vantageHint(result, walk.hub.hub(), insight.labelled)];
  return withNamesAndGroups(result);
}

/**
 * Walk every connection once: control flows and (scope inventory) connections touching no
 * inventory host are counted apart; the rest go to the rules they match, else to the scan
 * detector, else to the unexpected groups.
 */
function walkConnections(facts: CaptureFacts, accs: readonly RuleAcc[], insight: Insights, scope: AuditOptions['scope']): Walk {
  const accById = new Map(accs.map((a) => [a.rule.id, a]));
  const enabledRules = accs.filter((a) => a.enabled).map((a) => a.rule);
  const matcher = new RuleMatcher(enabledRules);
  const disabledRules = accs.filter((a) => !a.enabled).map((a) => a.rule);
  const w: Walk = { inScope: 0, outOfScope: 0, control: 0, touching: 0, groups: new UnexpectedGroups(insight, enabledRules, disabledRules), scans: new ScanDetector(), hub: new HubTracker() };
  // One view, refilled per connection (the matcher keeps none): no object per connection.
  const view: RoleView = { protocol: '', serverPort: 0, clientRoles: [], serverRoles: [] };
  facts.connections.forEach((c) => {
    if (isControlFlow(c)) {
      w.control += c.count;
      return;
    }
    const ends = insight.roles(c);
    const clientRoles = ends.client.roles;
    const serverRoles = ends.server.roles;
    if (clientRoles.length > 0 || serverRoles.length > 0) w.touching += c.count;
    if (scope === 'inventory' && clientRoles.length === 0 && serverRoles.length === 0) {
      w.outOfScope += c.count;
      return;
    }
    w.inScope += c.count;
    insight.inScope(c);
    w.hub.see(c, clientRoles, serverRoles);
    view.protocol = c.protocol;
    view.serverPort = c.serverPort;
    view.clientRoles = clientRoles;
    view.serverRoles = serverRoles;
    const matched = matcher.match(view, ends.client.byName === null && ends.server.byName === null);
    if (matched.length > 0) {
      for (let i = 0; i < matched.length; i++) {
        const rule = matched[i]!;
        addToRule(accById.get(rule.id)!, c);
        insight.onRule(rule, c, ends);
      }
      return;
    }
    if (w.scans.add(c, clientRoles)) return; // a scanner's probe (counted there) or held until the scanners are known
    w.groups.add(c, ends);
  });
  // Held unanswered connections of clients that did not turn out to be scanners: unexpected flows as usual.
  const held = emptyConnection();
  for (const id of w.scans.release()) w.groups.add(facts.connections.get(id, held), insight.roles(held));
  walkAttempts(facts, w, insight, scope);
  return w;
}

/**
 * Attempts the engine folded while reading (flows/attempt_fold.ts): their sources are no inventory
 * addresses (those fold only at the hard budget, and the entry then says so), so no rule can match
 * them; they join the flood aggregates of their target, or are out of scope when the server is no
 * inventory host either.
 */
function walkAttempts(facts: CaptureFacts, w: Walk, insight: Insights, scope: AuditOptions['scope']): void {
  for (const f of facts.attempts ?? []) {
    const serverRoles = f.server === '*' ? [] : insight.names.addressRoles(f.server, f.serverAddr);
    const touching = serverRoles.length > 0 || f.keptSources; // kept sources are inventory addresses
    if (touching) w.touching += f.connections;
    if (scope === 'inventory' && !touching) {
      w.outOfScope += f.connections;
      continue;
    }
    w.inScope += f.connections;
    w.groups.addAttempts(f, serverRoles);
  }
}

function auditSummary(facts: CaptureFacts, w: Walk, rules: readonly RuleResult[], unexpected: readonly UnexpectedGroup[], inputs: readonly InputResult[]): AuditSummary {
  const enforced = rules.filter((r) => r.enforced);
  return {
    packets: facts.packets,
    bytes: facts.bytes,
    connections: facts.connections.size + (facts.attempts ?? []).reduce((n, f) => n + f.connections, 0),
    connectionsInScope: w.inScope,
    connectionsOutOfScope: w.outOfScope,
    unexpected: unexpected.length,
    unexpectedConnections: unexpected.reduce((n, g) => n + g.connections, 0),
    rulesObserved: rules.filter((r) => r.status === 'observed').length,
    missingRequired: enforced.filter((r) => r.status === 'missing').length,
    failedRequired: enforced.filter((r) => r.status === 'failed').length,
    decodeErrors: sortedRecord(facts.decodeErrors),
    nonIpFrames: facts.nonIpFrames,
    controlFlows: w.control,
    inputErrors: inputs.filter((i) => i.error !== null).length,
    firstSeen: facts.firstSeen === null ? null : isoMicros(facts.firstSeen),
    lastSeen: facts.lastSeen === null ? null : isoMicros(facts.lastSeen),
    byteBasis: overallByteBasis(inputs),
    partialRequired: enforced.filter((r) => r.status === 'partial').length,
    rulesNotVisible: rules.filter((r) => r.status === 'not-visible').length,
    connectionsTouchingInventory: w.touching,
  };
}

/** The inventory block: origin, hash, roles with their members (code-unit order), features. */
function inventoryField(inventory: Inventory): AuditResult['inventory'] {
  const roles: Record<string, string[]> = {};
  // Code-unit order, not localeCompare: the same in every locale, and no ICU collator to load (~10 ms).
  for (const r of [...inventory.roles].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    roles[r.name] = r.members.map((m) => m.text);
  }
  return { origin: inventory.origin, sha256: inventory.sha256, roles, features: [...inventory.features].sort(), ...discoveredField(inventory) };
}

/** `inventory.discovered`, only for an inventory proposed by `flowaudit discover` (absent otherwise). */
function discoveredField(inventory: Inventory): { discovered?: ReturnType<typeof discoveredReport> } {
  const d = discoveredReport(inventory);
  return d === undefined ? {} : { discovered: d };
}
