/**
 * Rolling evidence: the full audit of one closed interval, from the rows kept for it (kept_rows.ts),
 * through the same runAudit, evidence block and renderers as `audit` and `live`. Because the rows
 * are kept beside the report (and hashed as its inputs), each report is verifiable alone:
 * `flowaudit verify DIR/watch-<start>.json` re-hashes the rows, re-loads the policy, re-runs the
 * audit and compares (and checks DIR/watch-<start>.json.sig with --sign-key).
 *
 * File names: DIR/watch-<start>.<ext>, <start> the interval's start in UTC (20261207T190000Z).
 */
import { join } from 'node:path';
import { runAudit } from '../audit/audit.js';
import { attachEvidence } from '../audit/evidence.js';
import type { FirewallHostInput } from '../audit/firewall_findings.js';
import { auditFirewalls } from '../audit/firewall_verdict.js';
import type { AuditResult } from '../audit/result.js';
import type { CaptureFacts } from '../flows/facts.js';
import type { ReportFormat } from '../report/render.js';
import { stamp } from './kept_rows.js';
import type { ClosedInterval } from './watch_core.js';

export const REPORT_EXT: Record<ReportFormat, string> = { json: 'json', html: 'html', markdown: 'md', text: 'txt', csv: 'csv', ecs: 'ecs.ndjson' };

export function reportPath(dir: string, iv: Pick<ClosedInterval, 'startUs'>, format: ReportFormat): string {
  return join(dir, `watch-${stamp(iv.startUs)}.${REPORT_EXT[format]}`);
}

export interface IntervalAuditContext {
  argv: string[];
  matrixSpecs: string[];
  host: string | null;
  generatedAt: string;
  /** --firewall HOST=FILE: the host rules read at start, checked in every interval's report (issue 21). */
  firewalls?: readonly FirewallHostInput[];
}

/** The audit of the interval's rows under the policy it ran with, with its evidence block. */
export function intervalAudit(iv: ClosedInterval, facts: CaptureFacts, ctx: IntervalAuditContext): AuditResult {
  const p = iv.policy;
  const plain = runAudit(facts, p.matrix, p.inventory, { scope: p.scope, features: p.features, generatedAt: ctx.generatedAt });
  const audited = auditFirewalls(plain, facts.connections, p.matrix, p.inventory, ctx.firewalls ?? []);
  return attachEvidence(audited, { argv: ctx.argv, matrixSpecs: ctx.matrixSpecs, host: ctx.host });
}

/** One line for standard error: which interval, which rows, why it closed early. */
export function intervalLine(iv: ClosedInterval, result: AuditResult, paths: string[]): string {
  const span = `${new Date(iv.startUs / 1000).toISOString()} – ${new Date(Math.min(iv.endUs, Math.max(iv.lastUs, iv.startUs)) / 1000).toISOString()}`;
  return `watch: interval ${span}${iv.early ? ` (closed early: ${iv.early})` : ''}: ${iv.rows} rows, verdict ${result.verdict}; ${paths.join(', ')}`;
}
