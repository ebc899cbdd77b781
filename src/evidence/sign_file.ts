/**
 * Sign a written file, and check a file's signature: the two operations every command uses
 * (`audit`, `live`, `merge` with --sign-key; `verify --allowed-signers`; later `watch`). The
 * signature goes beside the file as FILE.sig, which is what `ssh-keygen -Y verify -s FILE.sig`
 * expects:
 *   ssh-keygen -Y verify -f allowed_signers -I IDENTITY -n flowaudit -s REPORT.sig < REPORT
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';
import { parseAllowedSigners, principalMatches } from './allowed_signers.js';
import type { Ed25519SigningKey } from './openssh_key.js';
import { SIGNATURE_NAMESPACE, checkSignature, digestFile, fingerprint, parseSignature, publicKeyText, signDigest, type ParsedSignature } from './sshsig.js';
import { SshWireError, ed25519PublicBlob } from './ssh_wire.js';

export const signaturePath = (file: string): string => `${file}.sig`;

/** The armoured signature of `data` (a report still in memory, as it is written). */
export function signBytes(data: string | Uint8Array, key: Ed25519SigningKey): Promise<string> {
  return signDigest(key, createHash('sha512').update(data).digest());
}

/** Writes FILE.sig (through `write`, so tests and io stay in charge) and returns its path. */
export async function signFile(file: string, key: Ed25519SigningKey, write: (path: string, text: string) => void): Promise<string> {
  const sig = await signDigest(key, digestFile(file, 'sha512'));
  const out = signaturePath(file);
  write(out, sig);
  return out;
}

export interface SignatureCheck {
  ok: boolean;
  /** One line for verify's output: who signed, or why the signature is not accepted. */
  line: string;
}

/**
 * Checks FILE.sig against FILE and the allowed signers: a valid signature in namespace flowaudit
 * by a key listed there (for `identity` when given, else for any principal, named in the line).
 */
export function checkFileSignature(file: string, allowedSignersPath: string, identity?: string): SignatureCheck {
  const sigPath = signaturePath(file);
  if (!existsSync(sigPath)) return { ok: false, line: `no signature ${sigPath}` };
  let allowedText: string;
  try {
    allowedText = readFileSync(allowedSignersPath, 'utf8');
  } catch (e) {
    throw new InputError(`--allowed-signers ${allowedSignersPath}: cannot read: ${messageOf(e)}`);
  }
  let sig: ParsedSignature;
  try {
    sig = parseSignature(readFileSync(sigPath, 'utf8'), sigPath);
  } catch (e) {
    if (e instanceof SshWireError) return { ok: false, line: e.message };
    throw e;
  }
  const fp = fingerprint(sig.publicKey);
  if (sig.namespace !== SIGNATURE_NAMESPACE) return { ok: false, line: `${sigPath}: signed in namespace "${sig.namespace}", not "${SIGNATURE_NAMESPACE}"` };
  if (!checkSignature(sig, digestFile(file, sig.hash))) return { ok: false, line: `${sigPath}: the signature by ${fp} does not match ${file} (the file or the signature was changed)` };
  const blob = ed25519PublicBlob(sig.publicKey).toString('base64');
  const signers = parseAllowedSigners(allowedText).filter((s) => s.keyType === 'ssh-ed25519' && s.key === blob);
  const usable = signers.filter((s) => s.unsupported === null && (s.namespaces === null || s.namespaces.includes(SIGNATURE_NAMESPACE)));
  const forId = identity === undefined ? usable : usable.filter((s) => principalMatches(s.principals, identity));
  if (forId.length === 0) {
    const why = signers.length === 0 ? 'is not in' : signers[0]!.unsupported !== null ? `has ${signers[0]!.unsupported} in` : identity !== undefined ? `is not allowed for ${identity} in` : 'is not allowed for namespace flowaudit in';
    return { ok: false, line: `${sigPath}: a valid signature, but the key ${fp} (${publicKeyText(sig.publicKey).slice(0, 30)}…) ${why} ${allowedSignersPath}` };
  }
  const who = identity ?? forId.flatMap((s) => s.principals).join(', ');
  return { ok: true, line: `${sigPath}: good signature by ${who} (${fp}, line ${forId[0]!.line} of ${allowedSignersPath})` };
}
