/**
 * `verify` of an audit or live report: every input found and re-hashed (evidence/locate_input.ts),
 * the matrix and inventory re-loaded and their SHA-256 compared, the audit re-run with the
 * recorded options and compared field by field (evidence/result_diff.ts), ignoring only what
 * legitimately differs between two runs: generatedAt (and its copy in evidence), the result hash,
 * the tool version, the command line, the input paths when they were found elsewhere, and for a
 * live session how its input was described.
 */
import { existsSync } from 'node:fs';
import { runAudit } from '../../audit/audit.js';
import { attachEvidence } from '../../audit/evidence.js';
import type { AuditResult, Evidence } from '../../audit/result.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { InputError, UsageError, messageOf } from '../../errors.js';
import { locateInput } from '../../evidence/locate_input.js';
import { comparable, diff } from '../../evidence/result_diff.js';
import { sha256File } from '../../inputs/file_hash.js';
import type { Inventory, Matrix } from '../../matrix/types.js';
import { loadPolicy } from '../options.js';
import { analyseFiles } from '../pipeline.js';
import type { Checks } from './verify_checks.js';
import { verifyFirewallFiles } from './verify_firewall.js';
import { auditFirewalls } from '../../audit/firewall_verdict.js';

export interface VerifyFlags {
  matrix?: string[];
  inventory?: string;
  vantage?: string[];
  allowedSigners?: string;
  identity?: string;
  firewall?: string[];
}

type Report = AuditResult & { evidence: Evidence };

/** The files to re-read: the given captures, or each recorded input located (a live session: its evidence pcapng). */
function inputPaths(reportPath: string, report: Report, captures: string[], checks: Checks): string[] {
  if (report.inputs.some((i) => i.origin === 'stream') && captures.length === 0) {
    throw new InputError(`${reportPath}: the report was made from standard input or a pipe, which cannot be read again; give the capture: flowaudit verify ${reportPath} FILE`);
  }
  if (captures.length > 0) {
    if (captures.length !== report.inputs.length) throw new UsageError(`${reportPath} records ${report.inputs.length} capture(s), ${captures.length} given`);
    for (const p of captures) if (!existsSync(p)) throw new InputError(`${p}: no such file (capture ${captures.indexOf(p) + 1} of the report)`);
    return captures;
  }
  const cache = new Map<string, string | null>();
  return report.inputs.map((i, k) => {
    if (i.format === 'clickhouse') return i.path; // re-queried (credentials from CLICKHOUSE_USER / _PASSWORD)
    let recorded = i.path;
    if (i.format === 'live') {
      const ev = i.live?.evidence;
      if (!ev) throw new InputError(`${reportPath}: the live session kept no evidence file (live --write FILE.pcapng); nothing to re-run`);
      recorded = ev.path;
    }
    const found = locateInput(reportPath, recorded, i.sha256, i.format === 'live' ? null : (i.storedBytes ?? null), cache);
    if (!existsSync(found.path)) throw new InputError(`${recorded}: no such file (input ${k + 1} of the report; looked beside the report by name and by sha256, then at the recorded path); give it: flowaudit verify ${reportPath} FILE…`);
    if (found.path !== recorded) checks.note(`${recorded}: ${found.how}: ${found.path}`);
    return found.path;
  });
}

function checkInputHashes(report: Report, paths: string[], checks: Checks): void {
  paths.forEach((p, k) => {
    const recorded = report.inputs[k]!.sha256;
    if (report.inputs[k]!.format === 'clickhouse') return; // checked after the query is re-run
    let now: string;
    try {
      now = sha256File(p);
    } catch (e) {
      throw new InputError(`${p}: cannot read capture: ${messageOf(e)}`);
    }
    if (now === recorded) checks.ok('capture', `ok: ${p} sha256 ${now}`);
    else checks.bad('capture', `CHANGED: ${p} sha256 is ${now}, the report recorded ${recorded ?? '(unreadable)'}`, `capture ${p} does not match its recorded sha256`);
  });
}

/** A re-run query: the same tuples (by their SHA-256) or the data changed since the report. */
function checkQueryResults(report: Report, now: readonly { sha256: string | null; error: { message: string } | null; records?: { query?: { tuples: number; rows: number } } }[], checks: Checks): void {
  report.inputs.forEach((rec, k) => {
    if (rec.format !== 'clickhouse') return;
    const n = now[k];
    if (!n || n.error) {
      checks.bad('capture', `CANNOT RE-RUN: ${rec.path}: ${n?.error?.message ?? 'not read'}`, `query ${rec.path} could not be re-run`);
      return;
    }
    const q = n.records?.query;
    if (n.sha256 === rec.sha256) checks.ok('capture', `ok: ${rec.path} query re-run: the same ${q?.tuples ?? '?'} tuples (${q?.rows ?? '?'} rows), sha256 ${n.sha256}: the data has not changed`);
    else checks.bad('capture', `CHANGED: ${rec.path} query re-run returns tuples with sha256 ${n.sha256 ?? '(none)'} (${q?.rows ?? '?'} rows), the report recorded ${rec.sha256 ?? '(none)'}: the data changed since`, `query ${rec.path} returns other data than when reported`);
  });
}

/** Re-loads the matrix and inventory (recorded, or as given) and compares their hashes. */
export function checkPolicy(reportPath: string, report: Report, flags: VerifyFlags, checks: Checks, specsRecorded = report.evidence.matrix.specs): { matrix: Matrix; inventory: Inventory } {
  // Policy files are found as inputs are: beside the report by name (then by hash), else where recorded.
  const near = (p: string, sha: string | null): string => {
    const found = locateInput(reportPath, p, sha, null);
    if (found.path !== p && existsSync(found.path)) checks.note(`${p}: ${found.how}: ${found.path}`);
    return found.path;
  };
  const matrixSha = specsRecorded.length === 1 ? report.matrix.sha256 : null;
  const specs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : specsRecorded.map((m) => (m.startsWith('builtin:') ? m : near(m, matrixSha)));
  const inventoryPath = flags.inventory ?? (report.inventory.origin === '(none)' ? undefined : near(report.inventory.origin, report.inventory.sha256));
  const as = report.options.as ?? null;
  const { matrix, inventory } = loadPolicy(specs, inventoryPath, [], as ? { [as.role]: as.addresses } : undefined);
  if (matrix.sha256 === report.matrix.sha256) checks.ok('matrix', `ok: ${matrix.origin} sha256 ${matrix.sha256}`);
  else checks.bad('matrix', `CHANGED: ${matrix.origin} sha256 is ${matrix.sha256}, the report recorded ${report.matrix.sha256}`, `matrix ${matrix.origin} does not match its recorded sha256`);
  if (inventory.sha256 === report.inventory.sha256) checks.ok('inventory', `ok: ${inventory.origin} sha256 ${inventory.sha256 ?? '(none)'}`);
  else {
    checks.bad(
      'inventory',
      `CHANGED: ${inventory.origin} sha256 is ${inventory.sha256 ?? '(none)'}, the report recorded ${report.inventory.sha256 ?? '(none)'}`,
      `inventory ${inventory.origin} does not match its recorded sha256`,
    );
  }
  return { matrix, inventory };
}

/** Compares a fresh result with the report, adding the re-run line. */
export function compareRerun(report: Report, fresh: AuditResult, how: string, checks: Checks): void {
  const diffs: string[] = [];
  diff(comparable(report), comparable(fresh), '', diffs);
  if (diffs.length === 0) {
    checks.ok('re-run', `ok: the audit gives the same result (${how})`);
    return;
  }
  const lines = [`DIFFERS in ${diffs.length} place${diffs.length === 1 ? '' : 's'} (recorded → now):`, ...diffs.slice(0, 40).map((d) => `    ${d}`)];
  if (diffs.length > 40) lines.push(`    … ${diffs.length - 40} more`);
  checks.bad('re-run', lines.join('\n'), `the re-run audit differs in ${diffs.length} place${diffs.length === 1 ? '' : 's'}`);
}

export async function verifyAuditRun(reportPath: string, report: Report, captures: string[], flags: VerifyFlags, checks: Checks): Promise<void> {
  const paths = inputPaths(reportPath, report, captures, checks);
  checkInputHashes(report, paths, checks);
  const { matrix, inventory } = checkPolicy(reportPath, report, flags, checks);
  const firewalls = verifyFirewallFiles(reportPath, report, flags.firewall, checks);
  const knownFeatures = new Set(matrix.features.map((f) => f.name));
  const features = report.options.features.filter((f) => knownFeatures.has(f));
  const querySql: Record<string, string> = {};
  for (const i of report.inputs) if (i.format === 'clickhouse' && i.records?.query) querySql[i.path] = i.records.query.sql;
  const facts = await analyseFiles(paths, serverPortsFor(matrix), { querySql, keepClient: (a) => inventory.hasAddress(a) });
  checkQueryResults(report, facts.inputs, checks);
  const vantage = flags.vantage ?? report.options.vantage ?? [];
  const requireAllMembers = report.options.requireAllMembers === true;
  const acceptDamaged = report.options.acceptDamaged === true;
  const as = report.options.as ?? null;
  const applied = [
    vantage.length ? `vantage ${vantage.join(', ')}` : '',
    requireAllMembers ? 'all members required' : '',
    acceptDamaged ? '--accept-damaged' : '',
    as ? `--as ${as.role} (${as.addresses.join(', ') || 'no address'})` : '',
  ].filter(Boolean);
  const plain = runAudit(facts, matrix, inventory, { scope: report.options.scope, features, generatedAt: report.generatedAt, vantage, requireAllMembers, as, acceptDamaged });
  const audited = auditFirewalls(plain, facts.connections, matrix, inventory, firewalls);
  const ev = report.evidence;
  const fresh = attachEvidence(audited, { argv: ev.argv, matrixSpecs: ev.matrix.specs, host: ev.host });
  normalisePaths(fresh, report, paths);
  compareRerun(report, fresh, `scope ${report.options.scope}, features ${features.join(',') || 'none'}${applied.length ? `, ${applied.join(', ')}` : ''}`, checks);
}

/** When other capture paths (or policy files) were used, compare under the recorded names. */
function normalisePaths(fresh: AuditResult, report: AuditResult, paths: string[]): void {
  paths.forEach((p, k) => {
    const rec = report.inputs[k]!;
    // A live session re-runs from its evidence file: the input is described differently (format,
    // interface, clock); what must agree is checked here, then the recorded description is kept.
    if (rec.format === 'live' && fresh.inputs[k]) {
      const now = fresh.inputs[k]!;
      if (now.packets === rec.packets && now.sha256 === rec.sha256 && now.error === null) fresh.inputs[k] = rec;
      if (fresh.evidence?.inputs[k]) fresh.evidence.inputs[k] = { path: rec.path, sha256: now.sha256 };
      fresh.nextSteps = fresh.nextSteps.map((s) => s.split(p).join(rec.path));
      return;
    }
    const old = rec.path;
    if (p === old) return;
    if (fresh.inputs[k]) fresh.inputs[k]!.path = old;
    if (fresh.evidence?.inputs[k]) fresh.evidence.inputs[k]!.path = old;
    // A capture recorded from stdin or a pipe, given now as a file: same bytes, another way in.
    const was = report.inputs[k]!.origin;
    if (was !== undefined && fresh.inputs[k]) fresh.inputs[k]!.origin = was;
    const ev = fresh.evidence?.inputs[k];
    if (ev && report.evidence?.inputs[k]?.stream) ev.stream = true;
    const swapText = (s: string): string => s.split(p).join(old);
    fresh.nextSteps = fresh.nextSteps.map(swapText);
    fresh.verdictReasons = fresh.verdictReasons.map(swapText);
  });
  const swap = (now: string, old: string): void => {
    if (now === old) return;
    fresh.nextSteps = fresh.nextSteps.map((s) => s.split(now).join(old));
  };
  swap(fresh.matrix.origin, report.matrix.origin);
  swap(fresh.inventory.origin, report.inventory.origin);
  fresh.matrix.origin = report.matrix.origin;
  fresh.inventory.origin = report.inventory.origin;
  if (fresh.evidence) {
    fresh.evidence.matrix.origin = report.matrix.origin;
    fresh.evidence.inventory.origin = report.inventory.origin;
  }
}
