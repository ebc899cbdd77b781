/**
 * normalizeReport: one place that upgrades an old or hand-built report to the full AuditResult
 * type, so readers (renderers, verify, merge, tests) can rely on every field runAudit sets.
 * Fields added within flowaudit/audit@1 after a report was written are filled with what "not
 * recorded" means: empty lists, null for objects (diagnosis, coverage), 0 for counts, and `unexpectedByServer` computed
 * from `unexpected` as runAudit would. Nothing a report holds is changed.
 *
 * verify hashes and compares the report exactly as read; it uses the normalized copy only to read it.
 */
import { groupUnexpected, namesByAddress } from './grouping.js';
import type { AuditResult, AuditSummary, InputResult, RuleInsightField, RuleResult, UnexpectedGroup } from './result.js';

/** T with the fields K optional: how older or hand-built reports may hold them. */
type Opt<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type RuleResultInput = Opt<RuleResult, RuleInsightField | 'firstSeen' | 'lastSeen' | 'trigger'>;
export type UnexpectedGroupInput = Opt<UnexpectedGroup, 'diagnosis' | 'nearMisses' | 'communityIds' | 'clientNames' | 'serverNames'>;
export type InputResultInput = Opt<InputResult, 'byteBasis' | 'origin' | 'compression' | 'storedBytes' | 'copiesCollapsed'>;
export type SummaryInput = Opt<AuditSummary, 'byteBasis' | 'partialRequired' | 'rulesNotVisible' | 'connectionsTouchingInventory'>;
type LaterTopField = 'names' | 'nearMisses' | 'unexpectedByServer' | 'scans' | 'warnings';

/** A report as older versions wrote it, or as a test builds it by hand. */
export interface ReportInput extends Opt<Omit<AuditResult, 'options' | 'summary' | 'rules' | 'unexpected' | 'inputs'>, LaterTopField> {
  options: Opt<AuditResult['options'], 'vantage' | 'requireAllMembers' | 'as'>;
  summary: SummaryInput;
  rules: RuleResultInput[];
  unexpected: UnexpectedGroupInput[];
  inputs: InputResultInput[];
}

export function normalizeRuleResult(r: RuleResultInput): RuleResult {
  return {
    ...r,
    firstSeen: r.firstSeen ?? null,
    lastSeen: r.lastSeen ?? null,
    trigger: r.trigger ?? null,
    evidence: r.evidence ?? [],
    diagnosis: r.diagnosis ?? null,
    coverage: r.coverage ?? null,
    dynamicRpc: r.dynamicRpc ?? null,
    memberFailures: r.memberFailures ?? [],
  };
}

export function normalizeUnexpectedGroup(g: UnexpectedGroupInput): UnexpectedGroup {
  return {
    ...g,
    nearMisses: g.nearMisses ?? [],
    diagnosis: g.diagnosis ?? null,
    communityIds: g.communityIds ?? [],
    clientNames: g.clientNames ?? [],
    serverNames: g.serverNames ?? [],
  };
}

export function normalizeInputResult(i: InputResultInput): InputResult {
  return {
    ...i,
    byteBasis: i.byteBasis ?? null,
    origin: i.origin ?? (i.format === 'live' ? 'live' : 'file'),
    compression: i.compression ?? null,
    storedBytes: i.storedBytes ?? null,
    copiesCollapsed: i.copiesCollapsed ?? null,
  };
}

export function normalizeReport(r: ReportInput): AuditResult {
  const s = r.summary;
  const out: AuditResult = {
    ...r,
    options: { ...r.options, vantage: r.options.vantage ?? [], requireAllMembers: r.options.requireAllMembers ?? false, as: r.options.as ?? null },
    summary: {
      ...s,
      byteBasis: s.byteBasis ?? null,
      partialRequired: s.partialRequired ?? 0,
      rulesNotVisible: s.rulesNotVisible ?? 0,
      connectionsTouchingInventory: s.connectionsTouchingInventory ?? 0,
    },
    rules: r.rules.map(normalizeRuleResult),
    unexpected: r.unexpected.map(normalizeUnexpectedGroup),
    inputs: r.inputs.map(normalizeInputResult),
    names: r.names ?? [],
    nearMisses: r.nearMisses ?? [],
    scans: r.scans ?? [],
    warnings: r.warnings ?? [],
    unexpectedByServer: r.unexpectedByServer ?? [],
  };
  if (r.unexpectedByServer === undefined) out.unexpectedByServer = groupUnexpected(out.unexpected, namesByAddress(out));
  return out;
}
