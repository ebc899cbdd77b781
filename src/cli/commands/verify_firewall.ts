/**
 * `verify` of a report made with --firewall HOST=FILE (issue 21): each firewall file is found as
 * inputs are (beside the report by name, then by sha256, then at the recorded path; or given with
 * verify --firewall HOST=FILE), re-hashed and re-parsed, so the re-run audit judges the same rules.
 * An edited file is CHANGED (and the re-run then differs where the rules changed what it says).
 */
import { existsSync } from 'node:fs';
import type { FirewallHostInput } from '../../audit/firewall_findings.js';
import type { AuditResult } from '../../audit/result.js';
import { InputError } from '../../errors.js';
import { locateInput } from '../../evidence/locate_input.js';
import { loadFirewallFile, parseFirewallSpec } from '../firewall_option.js';
import type { Checks } from './verify_checks.js';

/** The firewall files of the report, located, checked against their recorded sha256 and parsed. */
export function verifyFirewallFiles(reportPath: string, report: AuditResult, given: readonly string[] | undefined, checks: Checks): FirewallHostInput[] {
  const hosts = report.firewall?.hosts ?? [];
  const explicit = new Map((given ?? []).map((v) => parseFirewallSpec(v)).map((s) => [s.host, s.path]));
  for (const name of explicit.keys()) {
    if (!hosts.some((h) => h.host === name || h.address === name)) throw new InputError(`${reportPath}: --firewall ${name}=…: the report has no firewall file for ${name}`);
  }
  return hosts.map((h) => {
    const recorded = h.file.path;
    let path = explicit.get(h.host) ?? explicit.get(h.address);
    if (path === undefined) {
      const found = locateInput(reportPath, recorded, h.file.sha256, null);
      path = found.path;
      if (path !== recorded && existsSync(path)) checks.note(`${recorded}: ${found.how}: ${path}`);
    }
    if (!existsSync(path)) throw new InputError(`${recorded}: no such file (firewall file of ${h.host}; looked beside the report by name and by sha256, then at the recorded path); give it: flowaudit verify ${reportPath} --firewall ${h.host}=FILE`);
    const fw = loadFirewallFile(h.host, h.address, path, recorded);
    if (fw.file.sha256 === h.file.sha256) checks.ok('firewall', `ok: ${path} (${h.host}) sha256 ${fw.file.sha256}`);
    else checks.bad('firewall', `CHANGED: ${path} (${h.host}) sha256 is ${fw.file.sha256}, the report recorded ${h.file.sha256}`, `firewall file ${path} does not match its recorded sha256`);
    return fw;
  });
}
