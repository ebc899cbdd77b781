/**
 * `flowaudit verify REPORT|DIR [captures...]`: check that a report still belongs to its inputs and
 * that what a person reads is what flowaudit wrote. REPORT is a JSON report, or an HTML or
 * Markdown report (both carry the whole result, base64 JSON in a comment); DIR an evidence
 * directory (--evidence-dir; cli/commands/verify_dir.ts). In order:
 *   1. the report's own integrity: evidence.resultSha256 recomputed over its result;
 *   2. what the reader sees: the report rendered again from its result must be the file, byte for
 *      byte (evidence/visible_check.ts); a report of another flowaudit version is not called
 *      verified, since its visible text cannot be checked;
 *   3. the signature REPORT.sig, with --allowed-signers (evidence/sign_file.ts);
 *   (a probe report, flowaudit.probe/1: steps 1-3, then its kept packets re-hashed: verify_probe.ts)
 *   4. an audit: every input located and re-hashed, the policy re-loaded, the audit re-run and
 *      compared (verify_rerun.ts); a merged report: its state files re-hashed and the merge re-run
 *      (verify_merge.ts).
 * Exit 0 `verified`; 1 with every difference listed; 2 when the report or an input cannot be read;
 * 3 when nothing checked was wrong but a part could not be checked (it says which).
 */
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { resultSha256 } from '../../audit/evidence.js';
import { UsageError } from '../../errors.js';
import { readReportFile, readReportRaw } from '../../evidence/report_file.js';
import { isProbeResult } from '../../audit/probe_result.js';
import { checkVisible } from '../../evidence/visible_check.js';
import { VERSION } from '../../version.js';
import type { Io } from '../io.js';
import { collectRepeat } from '../options.js';
import { Checks } from './verify_checks.js';
import { verifyMergeRun } from './verify_merge.js';
import { verifyAuditRun, type VerifyFlags } from './verify_rerun.js';
import { checkSignatureOf } from './verify_signature.js';

export type { VerifyFlags } from './verify_rerun.js';

export function registerVerify(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('verify')
    .description('check a report (JSON, HTML, Markdown) or an evidence directory: its integrity, its visible text, its signature, its inputs, and the audit re-run (exit 0 verified, 1 differs, 2 input error, 3 partly checked)')
    .argument('<report>', 'a report written by audit, live or merge (--format json, html or markdown), or an --evidence-dir directory')
    .argument('[captures...]', "the captures to check, in the report's order (default: found beside the report by name, then by sha256, then at the recorded path)")
    .option('-m, --matrix <spec>', 'matrix file or builtin:ams instead of the recorded one (repeatable)', collectRepeat)
    .option('-i, --inventory <file>', 'inventory file instead of the recorded path')
    .option('--vantage <role>', 'vantage roles instead of the recorded ones (repeatable)', collectRepeat)
    .option('--firewall <host=file>', 'a firewall file of the report for HOST, instead of finding it beside the report (repeatable)', collectRepeat)
    .option('--allowed-signers <file>', 'check REPORT.sig (or DIR/manifest.json.sig) against this ssh-keygen allowed signers file')
    .option('--identity <principal>', 'the signer the signature must be from (as ssh-keygen -Y verify -I); default any listed signer')
    .action(async (report: string, captures: string[], flags: VerifyFlags) => {
      setExit(await verifyCommand(report, captures, flags, io));
    });
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

export async function verifyCommand(reportPath: string, captures: string[], flags: VerifyFlags, io: Io): Promise<number> {
  if (flags.identity !== undefined && flags.allowedSigners === undefined) throw new UsageError('--identity needs --allowed-signers FILE (the signers it is looked up in)');
  if (isDir(reportPath)) {
    if (captures.length > 0) throw new UsageError(`${reportPath} is an evidence directory: its inputs are the ones its manifest names; give no captures`);
    const { verifyEvidenceDir } = await import('./verify_dir.js');
    return verifyEvidenceDir(reportPath, flags, io);
  }
  const checks = new Checks();
  await keepingLines(checks, io, () => verifyReport(reportPath, captures, flags, checks));
  const { line, code } = checks.verdict();
  io.stdout(`${checks.lines.join('\n')}\n${line}\n`);
  return code;
}

/**
 * Runs the checks; when one stops them with an error (an input that cannot be read: exit 2, one
 * line on stderr), the checks already made are printed first rather than lost.
 */
export async function keepingLines(checks: Checks, io: Io, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (checks.lines.length > 1) io.stdout(`${checks.lines.join('\n')}\n`);
    throw e;
  }
}

/** Every check of one report file, into `checks` (the first line names the report). */
export async function verifyReport(reportPath: string, captures: string[], flags: VerifyFlags, checks: Checks): Promise<void> {
  const raw = readReportRaw(reportPath);
  const value = raw.value;
  if (isProbeResult(value)) {
    const { verifyProbeReport } = await import('./verify_probe.js');
    await malformedIsAFinding(checks, () => verifyProbeReport(reportPath, value, raw.format, raw.bytes, flags, checks));
    return;
  }
  const { result: report, format, bytes } = readReportFile(reportPath, raw);
  checks.lines.push(`verify ${reportPath} (${format} report${report.merge ? ', merged' : ''})`);
  await malformedIsAFinding(checks, () => verifyAuditReport(reportPath, report, format, bytes, captures, flags, checks));
}

/**
 * The embedded result is attacker-controlled: one edited (or forged with a recomputed hash) into a
 * shape flowaudit never writes cannot be rendered or re-run. That is a finding, not a crash.
 */
async function malformedIsAFinding(checks: Checks, run: () => void | Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    if (!(e instanceof TypeError || e instanceof RangeError)) throw e;
    checks.bad('content', `MALFORMED: the report's result is not one flowaudit writes (${e.message}); the rest was not checked`, 'its result is malformed');
  }
}

async function verifyAuditReport(
  reportPath: string,
  report: ReturnType<typeof readReportFile>['result'],
  format: ReturnType<typeof readReportFile>['format'],
  bytes: Buffer,
  captures: string[],
  flags: VerifyFlags,
  checks: Checks,
): Promise<void> {
  const own = resultSha256(report);
  if (own === report.evidence.resultSha256) checks.ok('report', "ok: evidence.resultSha256 matches the report's content");
  else checks.bad('report', `CHANGED: evidence.resultSha256 is ${report.evidence.resultSha256}, the content hashes to ${own}`, 'the report was modified after it was generated');
  const visible = checkVisible(report, format, bytes, reportPath);
  if (visible.state === 'ok') checks.ok('visible', visible.line);
  else if (visible.state === 'changed') checks.bad('visible', visible.line, 'what the reader sees is not what flowaudit wrote');
  else checks.skip('visible', visible.line, `the visible text (written by flowaudit ${report.tool.version}; verify with that version)`);
  checkSignatureOf(reportPath, flags, checks);
  if (report.merge) verifyMergeRun(reportPath, report, flags, checks);
  else await verifyAuditRun(reportPath, report, captures, flags, checks);
  if (report.tool.version !== VERSION) checks.note(`recorded by flowaudit ${report.tool.version}, verified with ${VERSION}`);
}
