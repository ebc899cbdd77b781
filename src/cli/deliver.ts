/**
 * Where a finished report goes, for `audit`, `live` and `merge` alike: standard output or -o FILE
 * (emitReport), FILE.sig beside it with --sign-key, and the evidence directory with
 * --evidence-dir (every format, the policy as used, manifest.json, manifest.json.sig when signed).
 * prepareDelivery runs before any input is read: a bad key or a used directory must not cost a
 * 30-minute live capture.
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditResult } from '../audit/result.js';
import { UsageError } from '../errors.js';
import { MANIFEST, checkEvidenceDir, manifestText, writeEvidenceDir, type EvidencePolicy } from '../evidence/evidence_dir.js';
import { readSigningKey, type Ed25519SigningKey } from '../evidence/openssh_key.js';
import { signBytes, signaturePath } from '../evidence/sign_file.js';
import { fingerprint } from '../evidence/sshsig.js';
import { VERDICT_LABEL } from '../audit/verdict.js';
import type { Io } from './io.js';
import { writeOutput } from './output.js';

export interface DeliveryFlags {
  output?: string;
  signKey?: string;
  evidenceDir?: string;
  copyInputs?: boolean;
  /** The command has no --evidence-dir (probe): usage messages do not offer it. */
  noEvidenceDir?: boolean;
}

/**
 * Checks the delivery options and reads the key, before any work; a key held by ssh-agent signs a
 * probe now, so a missing agent or key is said before a long capture, not after it.
 */
export async function prepareDelivery(flags: DeliveryFlags, env: Record<string, string | undefined> = {}): Promise<Ed25519SigningKey | null> {
  if (flags.copyInputs && flags.evidenceDir === undefined) throw new UsageError('--copy-inputs needs --evidence-dir DIR');
  if (flags.evidenceDir !== undefined) checkEvidenceDir(flags.evidenceDir);
  if (flags.signKey === undefined) return null;
  if (flags.output === undefined && flags.evidenceDir === undefined) {
    throw new UsageError(`--sign-key needs -o FILE${flags.noEvidenceDir ? '' : ' or --evidence-dir DIR'} (a report on standard output has no file to sign beside it)`);
  }
  if (flags.output !== undefined && !isPlainFileTarget(flags.output)) {
    throw new UsageError(`--sign-key: ${flags.output} is not a regular file, so no ${flags.output}.sig can sit beside it; write the report to a file${flags.noEvidenceDir ? '' : ' or use --evidence-dir DIR'}`);
  }
  const key = readSigningKey(flags.signKey, env);
  if (key.via === 'ssh-agent') await key.sign(Buffer.from('flowaudit: can this agent sign?'));
  return key;
}

/** Whether -o names a regular file, or nothing yet (a device such as /dev/null or a pipe is neither). */
function isPlainFileTarget(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return true;
  }
}

/** Writes the report, its signature and the evidence directory. */
export async function deliverReport(io: Io, result: AuditResult, text: string, format: string, flags: DeliveryFlags, key: Ed25519SigningKey | null, policy: EvidencePolicy): Promise<void> {
  emitReport(io, text, flags.output, format, result);
  const by = key ? `${fingerprint(key.publicKey)}${key.via === 'ssh-agent' ? ', through ssh-agent' : ''}` : '';
  if (key && flags.output !== undefined) {
    const sig = signaturePath(flags.output);
    const signature = await signBytes(text, key);
    writeOutput(() => io.writeFile(sig, signature), sig);
    io.stderr(`flowaudit: signed ${flags.output} → ${sig} (${by})\n`);
  }
  if (flags.evidenceDir === undefined) return;
  const dir = flags.evidenceDir;
  let m = '';
  writeOutput(() => {
    const manifest = writeEvidenceDir(dir, result, policy, flags.copyInputs === true);
    if (key) manifest.signature = `${MANIFEST}.sig`;
    m = manifestText(manifest);
    writeFileSync(join(dir, MANIFEST), m);
  }, dir, '--evidence-dir');
  if (key) {
    const signature = await signBytes(m, key);
    writeOutput(() => writeFileSync(join(dir, `${MANIFEST}.sig`), signature), dir, '--evidence-dir');
  }
  io.stderr(`flowaudit: wrote the evidence directory ${dir} (check it with flowaudit verify ${dir}${key ? `, signed by ${by}` : ''})\n`);
}

/** The report to stdout, or to --output with one stderr line saying where and with which verdict. */
export function emitReport(io: Io, text: string, output: string | undefined, format: string, result: AuditResult): void {
  if (output === undefined) {
    io.stdout(text);
    return;
  }
  writeOutput(() => io.writeFile(output, text), output);
  io.stderr(`flowaudit: wrote the ${format} report to ${output}: verdict ${VERDICT_LABEL[result.verdict]}${result.verdictReasons.length ? ` (${result.verdictReasons[0]}${result.verdictReasons.length > 1 ? `; +${result.verdictReasons.length - 1} more` : ''})` : ''}\n`);
}
