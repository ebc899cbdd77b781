/**
 * `flowaudit verify REPORT [captures...]`: check that a report still belongs to its inputs. REPORT
 * is the JSON report, or an HTML or Markdown report (both carry the whole result, base64 JSON in a
 * comment). In order:
 *   1. the report's own integrity: evidence.resultSha256 recomputed over its content;
 *   2. every capture re-hashed (the paths recorded in the report, or the given captures in order;
 *      for a live session its evidence pcapng, whose hash the report records as the input's);
 *   3. the matrix (recorded --matrix specs, or --matrix) and inventory (recorded path, or
 *      --inventory) re-loaded and their SHA-256 compared;
 *   4. the audit re-run with the recorded options (scope, features, --vantage,
 *      --require-all-members, live --as and the addresses it added) and compared field by field,
 *      ignoring only what legitimately differs between two runs: generatedAt (and its copy in
 *      evidence), evidence.resultSha256, the tool version, the command line, the capture paths
 *      when other paths were given, and for a live session how its input was described.
 * Relative paths recorded in the report are looked up beside the report first, then from the
 * current directory. Exit 0 `verified`; 1 with every difference listed; 2 when the report or an
 * input cannot be read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { EMBEDDED_RESULT_MARK } from '../../report/markdown.js';
import type { Command } from 'commander';
import { runAudit } from '../../audit/audit.js';
import { attachEvidence, resultSha256, type Evidence } from '../../audit/evidence.js';
import { AUDIT_SCHEMA, type AuditResult } from '../../audit/result.js';
import { normalizeReport, type ReportInput } from '../../audit/normalize.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { UsageError, InputError, messageOf } from '../../errors.js';
import { sha256File } from '../../inputs/file_hash.js';
import type { Io } from '../io.js';
import { collectRepeat, loadPolicy } from '../options.js';
import { analyseFiles } from '../pipeline.js';

export interface VerifyFlags {
  matrix?: string[];
  inventory?: string;
  vantage?: string[];
}

export function registerVerify(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('re-hash the inputs of a report (JSON, HTML or Markdown) and re-run its audit (exit 0 verified, 1 differs, 2 input error)')
    .argument('<report>', 'a report written by audit or live with --format json, html or markdown')
    .argument('[captures...]', 'the captures to check, in the report\'s order (default: the paths recorded in the report)')
    .option('-m, --matrix <spec>', 'matrix file or builtin:ams instead of the recorded one (repeatable)', collectRepeat)
    .option('-i, --inventory <file>', 'inventory file instead of the recorded path')
    .option('--vantage <role>', 'vantage roles instead of the recorded ones (repeatable)', collectRepeat)
    .action(async (report: string, captures: string[], flags: VerifyFlags) => {
      setExit(await verifyCommand(report, captures, flags, io));
    });
}

type Json = unknown;

/** The report's format and its JSON text: the file itself, or the result embedded in an HTML or Markdown report. */
function reportJson(path: string, text: string): { format: string; json: string } {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (t.startsWith('{')) return { format: 'json', json: t };
  const at = text.indexOf(`<!-- ${EMBEDDED_RESULT_MARK} `);
  if (at >= 0) {
    const start = at + EMBEDDED_RESULT_MARK.length + 6;
    const end = text.indexOf(' -->', start);
    const format = /^\s*<!DOCTYPE html/i.test(text) ? 'html' : 'markdown';
    if (end > start) return { format, json: Buffer.from(text.slice(start, end), 'base64').toString('utf8') };
  }
  if (/^\s*(flowaudit \S+ \u2014 verdict:|kind,id,status)/.test(text)) {
    throw new InputError(`${path}: a text or CSV report carries the evidence hashes but not the whole result; verify a JSON, HTML or Markdown report of the same audit`);
  }
  throw new InputError(`${path}: not a flowaudit report (no JSON, and no embedded result as in HTML and Markdown reports)`);
}

/**
 * The report as read (`raw`: what its hash covers and what the re-run is compared with) and its
 * normalized copy (`report`: every field of the current type, for reading).
 */
function readReport(path: string): { raw: ReportInput & { evidence: Evidence }; report: AuditResult & { evidence: Evidence }; readAs: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${path}: cannot read report: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  const { format, json } = reportJson(path, text);
  let j: Json;
  try {
    j = JSON.parse(json);
  } catch (e) {
    throw new InputError(`${path}: the ${format} report's result is not valid JSON (${messageOf(e)})`);
  }
  const r = j as Partial<AuditResult> | null;
  if (!r || typeof r !== 'object' || r.schema !== AUDIT_SCHEMA) {
    throw new InputError(`${path}: not a ${AUDIT_SCHEMA} report`);
  }
  const e = r.evidence;
  if (!e || typeof e !== 'object' || typeof e.resultSha256 !== 'string' || !Array.isArray(e.inputs) || !e.matrix) {
    throw new InputError(`${path}: the report has no evidence block (made by an older flowaudit); nothing to verify against`);
  }
  const raw = r as ReportInput & { evidence: Evidence };
  return { raw, report: { ...normalizeReport(raw), evidence: raw.evidence }, readAs: format };
}

/** A path recorded in the report: beside the report first (when relative), else as given. */
function besideReport(reportPath: string, p: string): string {
  if (isAbsolute(p)) return p;
  const near = join(dirname(reportPath), p);
  return existsSync(near) ? near : p;
}

export async function verifyCommand(reportPath: string, captures: string[], flags: VerifyFlags, io: Io): Promise<number> {
  const { raw, report, readAs } = readReport(reportPath);
  const ev = report.evidence;
  const lines: string[] = [`verify ${reportPath} (${readAs} report)`];
  const problems: string[] = [];

  // 1. The report's own integrity.
  const own = resultSha256(raw);
  if (own === ev.resultSha256) lines.push('  report     ok: evidence.resultSha256 matches the report\'s content');
  else {
    lines.push(`  report     CHANGED: evidence.resultSha256 is ${ev.resultSha256}, the content hashes to ${own}`);
    problems.push('the report was modified after it was generated');
  }

  // 2. Captures (a live session: its evidence pcapng, whose hash is recorded as the input's).
  const recordedPath = (i: AuditResult['inputs'][number]): string => {
    if (i.format !== 'live') return besideReport(reportPath, i.path);
    const ev = i.live?.evidence;
    if (!ev) throw new InputError(`${reportPath}: the live session kept no evidence file (live --write FILE.pcapng); nothing to re-run`);
    return besideReport(reportPath, ev.path);
  };
  if (report.inputs.some((i) => i.origin === 'stream') && captures.length === 0) {
    throw new InputError(`${reportPath}: the report was made from standard input or a pipe, which cannot be read again; give the capture: flowaudit verify ${reportPath} FILE`);
  }
  const paths = captures.length > 0 ? captures : report.inputs.map(recordedPath);
  if (paths.length !== report.inputs.length) {
    throw new UsageError(`${reportPath} records ${report.inputs.length} capture(s), ${paths.length} given`);
  }
  for (const p of paths) if (!existsSync(p)) throw new InputError(`${p}: no such file (capture ${paths.indexOf(p) + 1} of the report)`);
  paths.forEach((p, k) => {
    const recorded = report.inputs[k]!.sha256;
    let now: string;
    try {
      now = sha256File(p);
    } catch (e) {
      throw new InputError(`${p}: cannot read capture: ${messageOf(e)}`);
    }
    if (now === recorded) lines.push(`  capture    ok: ${p} sha256 ${now}`);
    else {
      lines.push(`  capture    CHANGED: ${p} sha256 is ${now}, the report recorded ${recorded ?? '(unreadable)'}`);
      problems.push(`capture ${p} does not match its recorded sha256`);
    }
  });

  // 3. Matrix and inventory.
  const specs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : ev.matrix.specs.map((m) => (m.startsWith('builtin:') ? m : besideReport(reportPath, m)));
  const inventoryPath = flags.inventory ?? (report.inventory.origin === '(none)' ? undefined : besideReport(reportPath, report.inventory.origin));
  const as = report.options.as ?? null;
  const { matrix, inventory } = loadPolicy(specs, inventoryPath, [], as ? { [as.role]: as.addresses } : undefined);
  if (matrix.sha256 === report.matrix.sha256) lines.push(`  matrix     ok: ${matrix.origin} sha256 ${matrix.sha256}`);
  else {
    lines.push(`  matrix     CHANGED: ${matrix.origin} sha256 is ${matrix.sha256}, the report recorded ${report.matrix.sha256}`);
    problems.push(`matrix ${matrix.origin} does not match its recorded sha256`);
  }
  if (inventory.sha256 === report.inventory.sha256) lines.push(`  inventory  ok: ${inventory.origin} sha256 ${inventory.sha256 ?? '(none)'}`);
  else {
    lines.push(`  inventory  CHANGED: ${inventory.origin} sha256 is ${inventory.sha256 ?? '(none)'}, the report recorded ${report.inventory.sha256 ?? '(none)'}`);
    problems.push(`inventory ${inventory.origin} does not match its recorded sha256`);
  }

  // 4. Re-run with the recorded options and compare.
  const knownFeatures = new Set(matrix.features.map((f) => f.name));
  const features = report.options.features.filter((f) => knownFeatures.has(f));
  const facts = await analyseFiles(paths, serverPortsFor(matrix));
  const vantage = flags.vantage ?? report.options.vantage ?? [];
  const requireAllMembers = report.options.requireAllMembers === true;
  const applied = [vantage.length ? `vantage ${vantage.join(', ')}` : '', requireAllMembers ? 'all members required' : '', as ? `--as ${as.role} (${as.addresses.join(', ') || 'no address'})` : ''].filter(Boolean);
  const audited = runAudit(facts, matrix, inventory, { scope: report.options.scope, features, generatedAt: report.generatedAt, vantage, requireAllMembers, as });
  const fresh = attachEvidence(audited, { argv: ev.argv, matrixSpecs: ev.matrix.specs, host: ev.host });
  normalisePaths(fresh, report, paths);
  const diffs: string[] = [];
  diff(comparable(raw), comparable(fresh), '', diffs);
  const how = `scope ${report.options.scope}, features ${features.join(',') || 'none'}${applied.length ? `, ${applied.join(', ')}` : ''}`;
  if (diffs.length === 0) lines.push(`  re-run     ok: the audit gives the same result (${how})`);
  else {
    lines.push(`  re-run     DIFFERS in ${diffs.length} place${diffs.length === 1 ? '' : 's'} (recorded → now):`);
    for (const d of diffs.slice(0, 40)) lines.push(`    ${d}`);
    if (diffs.length > 40) lines.push(`    … ${diffs.length - 40} more`);
    problems.push(`the re-run audit differs in ${diffs.length} place${diffs.length === 1 ? '' : 's'}`);
  }
  if (report.tool.version !== fresh.tool.version) lines.push(`  note: recorded by flowaudit ${report.tool.version}, verified with ${fresh.tool.version}`);

  lines.push(problems.length === 0 ? 'verified' : `NOT verified: ${problems.join('; ')}`);
  io.stdout(`${lines.join('\n')}\n`);
  return problems.length === 0 ? 0 : 1;
}

/** When other capture paths (or policy files) were given, compare under the recorded names. */
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
    fresh.nextSteps = fresh.nextSteps.map((s) => s.split(p).join(old));
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

/** A JSON copy without the fields that legitimately differ between two runs of the same audit. */
function comparable(r: AuditResult | ReportInput): Record<string, Json> {
  const c = JSON.parse(JSON.stringify(r)) as Record<string, Json> & { evidence?: Record<string, Json>; tool?: Record<string, Json> };
  delete c.generatedAt;
  if (c.tool) delete c.tool.version;
  if (c.evidence) {
    for (const k of ['generatedAt', 'resultSha256', 'tool', 'argv', 'commandLine']) delete c.evidence[k];
  }
  return c;
}

function show(v: Json): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return s.length > 100 ? `${s.slice(0, 97)}…` : s;
}

function diff(a: Json, b: Json, path: string, out: string[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const keyed = (xs: Json[]): boolean => xs.every((x) => x !== null && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string');
    if (keyed(a) && keyed(b)) {
      const ma = new Map(a.map((x) => [(x as { id: string }).id, x]));
      const mb = new Map(b.map((x) => [(x as { id: string }).id, x]));
      for (const [id, x] of ma) {
        if (!mb.has(id)) out.push(`${path}[${id}]: present → absent`);
        else diff(x, mb.get(id), `${path}[${id}]`, out);
      }
      for (const id of mb.keys()) if (!ma.has(id)) out.push(`${path}[${id}]: absent → present`);
      return;
    }
    if (a.length !== b.length) out.push(`${path}: ${a.length} item(s) → ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ra = a as Record<string, Json>;
    const rb = b as Record<string, Json>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])];
    for (const k of keys) diff(ra[k], rb[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push(`${path}: ${show(a)} → ${show(b)}`);
}
