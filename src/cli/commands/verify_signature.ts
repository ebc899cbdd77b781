/** `verify --allowed-signers`: the signature beside a file, as one line of verify's output. */
import { existsSync } from 'node:fs';
import { checkFileSignature, signaturePath } from '../../evidence/sign_file.js';
import type { Checks } from './verify_checks.js';
import type { VerifyFlags } from './verify_rerun.js';

export function checkSignatureOf(file: string, flags: VerifyFlags, checks: Checks): void {
  const sig = signaturePath(file);
  if (flags.allowedSigners === undefined) {
    if (existsSync(sig)) checks.ok('signature', `not checked: ${sig} is there; give --allowed-signers FILE to check it`);
    return;
  }
  const c = checkFileSignature(file, flags.allowedSigners, flags.identity);
  if (c.ok) checks.ok('signature', `ok: ${c.line}`);
  else checks.bad('signature', `BAD: ${c.line}`, `the signature does not hold (${c.line})`);
}
