/**
 * `flowaudit verify DIR` of an evidence directory (evidence/evidence_dir.ts):
 *   1. manifest.json read; its signature manifest.json.sig checked with --allowed-signers (a
 *      manifest that says it was signed and has no signature fails);
 *   2. every file: the manifest's list against the directory (a changed, added or deleted file
 *      fails and is named);
 *   3. report.json verified as any report (integrity, visible text, inputs, policy, re-run), with
 *      the inputs copied into DIR (--copy-inputs) or found as any report's, and the policy copies
 *      in DIR;
 *   4. the HTML, Markdown, CSV and text reports rendered again from report.json's result and
 *      compared byte for byte.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, messageOf } from '../../errors.js';
import { MANIFEST, REPORT_FILES, listFiles, type Manifest } from '../../evidence/evidence_dir.js';
import { manifestDifferences } from '../../evidence/manifest_check.js';
import { readReportFile, type ReportFile } from '../../evidence/report_file.js';
import { checkVisible } from '../../evidence/visible_check.js';
import { sha256File } from '../../inputs/file_hash.js';
import type { Io } from '../io.js';
import { keepingLines, verifyReport } from './verify.js';
import { Checks } from './verify_checks.js';
import type { VerifyFlags } from './verify_rerun.js';
import { checkSignatureOf } from './verify_signature.js';

function readManifest(dir: string): Manifest {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) throw new InputError(`${dir}: a directory without ${MANIFEST}, so not an evidence directory (flowaudit audit --evidence-dir DIR writes one)`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as Manifest;
  } catch (e) {
    throw new InputError(`${p}: not valid JSON (${messageOf(e)})`);
  }
  if (m?.schema !== 'flowaudit/evidence@1' || !Array.isArray(m.files) || !Array.isArray(m.inputs)) throw new InputError(`${p}: not a flowaudit/evidence@1 manifest`);
  const bad = malformedField(m);
  if (bad !== null) throw new InputError(`${p}: a flowaudit/evidence@1 manifest whose ${bad} is malformed (edited by hand?)`);
  return m;
}

const str = (x: unknown): boolean => typeof x === 'string';
const strOrNull = (x: unknown): boolean => x === null || typeof x === 'string';
const obj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** The first field verify DIR reads that is not of the shape writeEvidenceDir writes, or null. */
function malformedField(m: Manifest): string | null {
  const i = m.files.findIndex((f) => !obj(f) || !str(f.path) || !str(f.sha256));
  if (i >= 0) return `files[${i}]`;
  const k = m.inputs.findIndex((x) => !obj(x) || !strOrNull(x.copy));
  if (k >= 0) return `inputs[${k}]`;
  const pol = m.policy as unknown;
  if (!obj(pol) || !Array.isArray(pol.matrix)) return 'policy';
  const j = pol.matrix.findIndex((x) => !obj(x) || !str(x.spec) || !strOrNull(x.copy));
  if (j >= 0) return `policy.matrix[${j}]`;
  if (pol.inventory !== null && (!obj(pol.inventory) || !str(pol.inventory.path) || !str(pol.inventory.copy))) return 'policy.inventory';
  const fw = pol.firewall;
  if (fw !== undefined && (!Array.isArray(fw) || fw.some((x) => !obj(x) || !str(x.host) || !str(x.path) || !str(x.copy)))) return 'policy.firewall';
  return strOrNull(m.signature) ? null : 'signature';
}

function checkFiles(dir: string, m: Manifest, checks: Checks): void {
  const present = new Set(listFiles(dir).filter((f) => f !== MANIFEST && f !== `${MANIFEST}.sig`));
  let ok = 0;
  for (const f of m.files) {
    if (!present.has(f.path)) {
      checks.bad('file', `DELETED: ${f.path} is in the manifest but not in ${dir}`, `${f.path} was deleted`);
      continue;
    }
    present.delete(f.path);
    const now = sha256File(join(dir, f.path));
    if (now === f.sha256) ok++;
    else checks.bad('file', `CHANGED: ${f.path} sha256 is ${now}, the manifest recorded ${f.sha256}`, `${f.path} was changed`);
  }
  for (const f of present) checks.bad('file', `ADDED: ${f} is in ${dir} but not in the manifest`, `${f} was added`);
  checks.ok('files', `${ok} of ${m.files.length} files match the manifest's sha256`);
}

function checkSignature(dir: string, m: Manifest, flags: VerifyFlags, checks: Checks): void {
  const manifest = join(dir, MANIFEST);
  if (m.signature !== null && !existsSync(`${manifest}.sig`)) checks.bad('signature', `MISSING: the manifest says it was signed, and ${manifest}.sig is gone`, 'the signature was deleted');
  else if (flags.allowedSigners === undefined && m.signature === null) checks.ok('signature', 'none (the directory was written without --sign-key)');
  else checkSignatureOf(manifest, flags, checks);
}

function checkRenderings(dir: string, m: Manifest, result: ReportFile['result'], checks: Checks): void {
  const differences = manifestDifferences(m, result);
  if (differences.length === 0) checks.ok('manifest', 'ok: every field it repeats from report.json (tool, time, verdict, result hash, inputs, policy) says the same');
  for (const d of differences) checks.bad('manifest', `DIFFERS from report.json: ${d}`, 'the manifest does not describe report.json');
  for (const [name, format] of REPORT_FILES) {
    const p = join(dir, name);
    if (format === 'json' || !existsSync(p)) continue;
    const v = checkVisible(result, format, readFileSync(p), name);
    if (v.state === 'ok') checks.ok('visible', v.line);
    else if (v.state === 'changed') checks.bad('visible', v.line, `${name} is not what flowaudit wrote`);
    else checks.skip('visible', v.line, `the visible text of ${name}`);
  }
}

export async function verifyEvidenceDir(dir: string, flags: VerifyFlags, io: Io): Promise<number> {
  const m = readManifest(dir);
  const checks = new Checks();
  checks.lines.push(`verify ${dir} (evidence directory, ${m.files.length} files, verdict ${m.verdict})`);
  checkSignature(dir, m, flags, checks);
  checkFiles(dir, m, checks);
  const report = join(dir, 'report.json');
  if (existsSync(report)) await keepingLines(checks, io, () => verifyDirReport(dir, m, report, flags, checks));
  const { line, code } = checks.verdict();
  io.stdout(`${checks.lines.join('\n')}\n${line}\n`);
  return code;
}

/** report.json of the directory: its renderings against it, then verified as any report with the copies in DIR. */
async function verifyDirReport(dir: string, m: Manifest, report: string, flags: VerifyFlags, checks: Checks): Promise<void> {
  const { result } = readReportFile(report);
  checkRenderings(dir, m, result, checks);
  const copies = m.inputs.map((i) => (i.copy === null ? null : join(dir, i.copy)));
  const captures = copies.every((c) => c !== null && existsSync(c)) ? (copies as string[]) : [];
  // A built-in matrix has no copy: the one the report records (an edited manifest is reported above, not followed).
  const matrix = m.policy.matrix.map((x, k) => (x.copy === null ? (result.evidence.matrix.specs[k] ?? x.spec) : join(dir, x.copy)));
  const inventory = m.policy.inventory ? join(dir, m.policy.inventory.copy) : undefined;
  const firewall = (m.policy.firewall ?? []).map((f) => `${f.host}=${join(dir, f.copy)}`);
  const sub = new Checks();
  try {
    await verifyReport(report, captures, { ...flags, matrix, ...(inventory ? { inventory } : {}), ...(firewall.length > 0 ? { firewall } : {}), allowedSigners: undefined }, sub);
  } finally {
    checks.lines.push(...sub.lines.slice(1));
    checks.problems.push(...sub.problems);
    checks.unchecked.push(...sub.unchecked);
  }
}
