/**
 * `verify` of a probe report (flowaudit.probe/1): its own integrity (evidence.resultSha256), what
 * the reader sees (rendered again from its result, byte for byte), its signature, and the probe's
 * packets when it kept them (--write: the file found beside the report or at its recorded path,
 * re-hashed). A probe cannot be re-run to the same result: what the network answered at that time
 * is the observation itself, so there are no inputs to re-read, and verify says so.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resultSha256 } from '../../audit/evidence.js';
import type { ProbeResult } from '../../audit/probe_result.js';
import { compareRendered, otherVersion } from '../../evidence/visible_check.js';
import type { VerifiableFormat } from '../../evidence/report_file.js';
import { sha256File } from '../../inputs/file_hash.js';
import { renderProbeReport } from '../../report/probe_render.js';
import { VERSION } from '../../version.js';
import type { Checks } from './verify_checks.js';
import type { VerifyFlags } from './verify_rerun.js';
import { checkSignatureOf } from './verify_signature.js';

function checkPackets(reportPath: string, r: ProbeResult, checks: Checks): void {
  const c = r.capture;
  if (!c?.path || !c.sha256) {
    checks.note(`a probe has no inputs to re-run (what the network answered is the observation); its packets were ${c?.unavailable ? `not kept: ${c.unavailable}` : 'not kept (probe --write)'}`);
    return;
  }
  const beside = join(dirname(reportPath), basename(c.path));
  const found = [beside, c.path].find((p) => existsSync(p));
  if (!found) {
    checks.skip('packets', `NOT FOUND: ${c.path} (looked beside the report and at the recorded path)`, `the probe's packets (${c.path})`);
    return;
  }
  const h = sha256File(found);
  if (h === c.sha256) checks.ok('packets', `ok: ${found} has the recorded sha256 (${c.packets} packets the probe sent and received)`);
  else checks.bad('packets', `CHANGED: ${found} hashes to ${h}, the report records ${c.sha256}`, "the probe's packets file is not the one recorded");
}

export function verifyProbeReport(reportPath: string, r: ProbeResult, format: VerifiableFormat, bytes: Buffer, flags: VerifyFlags, checks: Checks): void {
  checks.lines.push(`verify ${reportPath} (${format} probe report)`);
  const own = resultSha256(r);
  if (own === r.evidence?.resultSha256) checks.ok('report', "ok: evidence.resultSha256 matches the report's content");
  else checks.bad('report', `CHANGED: evidence.resultSha256 is ${r.evidence?.resultSha256}, the content hashes to ${own}`, 'the report was modified after it was generated');
  const visible = r.tool?.version !== VERSION ? otherVersion(String(r.tool?.version), format, reportPath) : compareRendered(renderProbeReport(r, format, { color: false }), format, bytes, reportPath);
  if (visible.state === 'ok') checks.ok('visible', visible.line);
  else if (visible.state === 'changed') checks.bad('visible', visible.line, 'what the reader sees is not what flowaudit wrote');
  else checks.skip('visible', visible.line, `the visible text (written by flowaudit ${r.tool?.version}; verify with that version)`);
  checkSignatureOf(reportPath, flags, checks);
  checkPackets(reportPath, r, checks);
}
