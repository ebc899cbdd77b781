/**
 * `verify` of a merged report: the state files it was merged from are found (beside the report by
 * name, then by hash, then at the recorded path) and re-hashed against merge.states; the merge is
 * re-run from them with the recorded matrix, inventory, scope, features and de-duplication window
 * and compared field by field. The captures behind the state files are re-hashed when they are
 * found; when not, verify says so (their facts are in the state files, whose hashes were checked).
 */
import { existsSync } from 'node:fs';
import { attachEvidence } from '../../audit/evidence.js';
import { mergeStates, StateError } from '../../audit/merge.js';
import type { AuditResult, Evidence } from '../../audit/result.js';
import { InputError } from '../../errors.js';
import { locateInput } from '../../evidence/locate_input.js';
import { sha256File } from '../../inputs/file_hash.js';
import { readState } from './merge.js';
import type { Checks } from './verify_checks.js';
import { checkPolicy, compareRerun, type VerifyFlags } from './verify_rerun.js';
import { verifyFirewallFiles } from './verify_firewall.js';

type Report = AuditResult & { evidence: Evidence };

function locateStates(reportPath: string, report: Report, checks: Checks): { name: string; path: string }[] {
  const states = report.merge?.states;
  if (!states || states.length === 0) {
    throw new InputError(`${reportPath}: a merged report that does not record its state files' hashes (made by an older flowaudit); merge the state files again`);
  }
  const cache = new Map<string, string | null>();
  return states.map((s) => {
    const found = locateInput(reportPath, s.path, s.sha256, null, cache);
    if (!existsSync(found.path)) throw new InputError(`${s.path}: no such file (state file of sensor ${s.sensor}; looked beside the report by name and by sha256, then at the recorded path)`);
    const now = sha256File(found.path);
    const where = found.path === s.path ? found.path : `${found.path} (${found.how})`;
    if (now === s.sha256) checks.ok('state', `ok: ${where} sha256 ${now}`);
    else checks.bad('state', `CHANGED: ${where} sha256 is ${now}, the report recorded ${s.sha256}`, `state file ${found.path} does not match its recorded sha256`);
    return { name: s.path, path: found.path };
  });
}

/** The captures named in the state files: re-hashed where found, else said to be unchecked. */
function checkCaptures(reportPath: string, report: Report, checks: Checks): void {
  const cache = new Map<string, string | null>();
  for (const i of report.inputs) {
    if (i.sha256 === null) continue;
    const found = locateInput(reportPath, i.path, i.sha256, i.storedBytes ?? null, cache);
    if (!existsSync(found.path)) {
      checks.ok('capture', `not re-read: ${i.path} is not beside the report nor at its recorded path (its facts and sha256 ${i.sha256.slice(0, 16)}… come from the checked state file)`);
      continue;
    }
    const now = cache.get(found.path) ?? sha256File(found.path);
    if (now === i.sha256) checks.ok('capture', `ok: ${found.path} sha256 ${now}${found.path === i.path ? '' : ` (${found.how})`}`);
    else checks.bad('capture', `CHANGED: ${found.path} sha256 is ${now}, the report recorded ${i.sha256}`, `capture ${found.path} does not match its recorded sha256`);
  }
}

export function verifyMergeRun(reportPath: string, report: Report, flags: VerifyFlags, checks: Checks): void {
  const located = locateStates(reportPath, report, checks);
  checkCaptures(reportPath, report, checks);
  const parts = located.map((l) => ({ name: l.name, state: readState(l.path) }));
  const { matrix, inventory } = checkPolicy(reportPath, report, flags, checks);
  const firewalls = verifyFirewallFiles(reportPath, report, flags.firewall, checks);
  const known = new Set(matrix.features.map((f) => f.name));
  const window = report.merge?.dedupeWindowSec ?? 1;
  let merged: AuditResult;
  try {
    merged = mergeStates(parts, matrix, inventory, {
      scope: report.options.scope,
      features: report.options.features.filter((f) => known.has(f)),
      generatedAt: report.generatedAt,
      dedupeWindowSec: window,
      acceptDamaged: report.options.acceptDamaged === true,
      firewalls,
    });
  } catch (e) {
    if (e instanceof StateError) throw new InputError(e.message);
    throw e;
  }
  if (merged.merge) merged.merge.states = parts.map((p) => ({ path: p.name, sensor: p.state.sensor, sha256: p.state.fileSha256 }));
  const ev = report.evidence;
  const fresh = attachEvidence(merged, { argv: ev.argv, matrixSpecs: ev.matrix.specs, host: ev.host });
  fresh.matrix.origin = report.matrix.origin;
  fresh.inventory.origin = report.inventory.origin;
  fresh.evidence!.matrix.origin = report.matrix.origin;
  fresh.evidence!.inventory.origin = report.inventory.origin;
  compareRerun(report, fresh, `merge of ${parts.length} state files, de-duplication window ${window} s`, checks);
}
