/**
 * An evidence directory's manifest.json is read by people too ("which capture, which hash, which
 * inventory"), so every field it repeats from report.json must say what report.json says: an edit
 * to the manifest alone (an input's hash, a policy path, the verdict) is a difference, not
 * something verify passes over. The files list is checked against the directory elsewhere
 * (verify_dir.ts), the signature field against manifest.json.sig.
 */
import type { AuditResult } from '../audit/result.js';
import type { Manifest } from './evidence_dir.js';

/** Each field of `m` that does not say what the report's result says, as `field: manifest → report`. */
export function manifestDifferences(m: Manifest, result: AuditResult): string[] {
  const out: string[] = [];
  const same = (field: string, was: unknown, now: unknown): void => {
    if (JSON.stringify(was) !== JSON.stringify(now)) out.push(`${field}: ${JSON.stringify(was)} → ${JSON.stringify(now)}`);
  };
  const e = result.evidence;
  same('tool.version', m.tool?.version, result.tool.version);
  same('generatedAt', m.generatedAt, result.generatedAt);
  same('verdict', m.verdict, result.verdict);
  same('resultSha256', m.resultSha256, e?.resultSha256 ?? '');
  same('inputs (count)', m.inputs.length, result.inputs.length);
  result.inputs.forEach((i, k) => {
    const mi = m.inputs[k];
    same(`inputs[${k}].path`, mi?.path, i.path);
    same(`inputs[${k}].sha256`, mi?.sha256, i.sha256);
    same(`inputs[${k}].bytes`, mi?.bytes, i.storedBytes ?? null);
  });
  same('policy.matrix', m.policy?.matrix?.map((x) => x?.spec), e?.matrix.specs);
  const inv = m.policy?.inventory;
  if (e?.inventory.sha256 === null) same('policy.inventory', inv, null);
  else same('policy.inventory.path', inv?.path, e?.inventory.origin);
  const hosts = result.firewall?.hosts ?? [];
  same('policy.firewall', (m.policy?.firewall ?? []).map((f) => [f?.host, f?.path]), hosts.map((h) => [h.host, h.file.path]));
  return out;
}
