/**
 * SSH signatures as `ssh-keygen -Y sign` makes and `ssh-keygen -Y verify` checks them (OpenSSH
 * PROTOCOL.sshsig), with node's ed25519.
 *
 * What is signed: "SSHSIG", string namespace, string reserved (""), string hash algorithm,
 * string H(message). The signature file: base64 between `-----BEGIN SSH SIGNATURE-----` and
 * `-----END SSH SIGNATURE-----` (lines of 70), of "SSHSIG", uint32 version 1, string public key
 * blob, string namespace, string reserved, string hash algorithm, string signature (string
 * "ssh-ed25519", string the 64-byte signature).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { Ed25519SigningKey } from './openssh_key.js';
import { SshReader, SshWireError, ed25519PublicBlob, sshString, sshUint32 } from './ssh_wire.js';

export const SIGNATURE_NAMESPACE = 'flowaudit';
const MAGIC = Buffer.from('SSHSIG', 'latin1');
const BEGIN = '-----BEGIN SSH SIGNATURE-----';
const END = '-----END SSH SIGNATURE-----';

export type SigHash = 'sha512' | 'sha256';

export interface ParsedSignature {
  /** The signer's 32-byte ed25519 public key. */
  publicKey: Buffer;
  namespace: string;
  hash: SigHash;
  signature: Buffer;
}

/** The digest of a file, read in 1 MiB pieces (a report or a capture of any size). */
export function digestFile(path: string, hash: SigHash): Buffer {
  const h = createHash(hash);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest();
}

function signedData(namespace: string, hash: SigHash, digest: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, sshString(namespace), sshString(''), sshString(hash), sshString(digest)]);
}

/** The armoured SSHSIG signature (text ending in a newline) over a message given by its sha512 digest. */
export async function signDigest(key: Ed25519SigningKey, digest: Uint8Array, namespace = SIGNATURE_NAMESPACE): Promise<string> {
  const sig = await key.sign(signedData(namespace, 'sha512', digest));
  const blob = Buffer.concat([
    MAGIC,
    sshUint32(1),
    sshString(ed25519PublicBlob(key.publicKey)),
    sshString(namespace),
    sshString(''),
    sshString('sha512'),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(sig)])),
  ]);
  const b64 = blob.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 70) lines.push(b64.slice(i, i + 70));
  return `${BEGIN}\n${lines.join('\n')}\n${END}\n`;
}

/** Parses an armoured signature; throws SshWireError naming `name` when it is not one flowaudit can check. */
export function parseSignature(text: string, name: string): ParsedSignature {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new SshWireError(`${name}: not an SSH signature (no ${BEGIN} … ${END})`);
  const blob = Buffer.from(text.slice(start + BEGIN.length, end).replace(/\s+/g, ''), 'base64');
  if (!blob.subarray(0, 6).equals(MAGIC)) throw new SshWireError(`${name}: not an SSHSIG signature`);
  const r = new SshReader(blob.subarray(6), name);
  const version = r.uint32('the version');
  if (version !== 1) throw new SshWireError(`${name}: SSHSIG version ${version}, expected 1`);
  const pk = new SshReader(r.string('the public key'), name);
  const keyType = pk.text('the key type');
  if (keyType !== 'ssh-ed25519') throw new SshWireError(`${name}: signed with a ${keyType} key; flowaudit checks ed25519 signatures (ssh-keygen -Y verify checks the others)`);
  const publicKey = Buffer.from(pk.string('the public key'));
  const namespace = r.text('the namespace');
  r.string('the reserved field');
  const hash = r.text('the hash algorithm');
  if (hash !== 'sha512' && hash !== 'sha256') throw new SshWireError(`${name}: hash algorithm ${hash} (expected sha512 or sha256)`);
  const s = new SshReader(r.string('the signature'), name);
  const sigType = s.text('the signature type');
  if (sigType !== 'ssh-ed25519') throw new SshWireError(`${name}: a ${sigType} signature`);
  const signature = Buffer.from(s.string('the signature bytes'));
  if (publicKey.length !== 32 || signature.length !== 64) throw new SshWireError(`${name}: ed25519 key or signature of the wrong size`);
  return { publicKey, namespace, hash, signature };
}

/** Whether `sig` signs the message with this digest (computed with sig.hash) in `namespace`. */
export function checkSignature(sig: ParsedSignature, digest: Uint8Array, namespace = SIGNATURE_NAMESPACE): boolean {
  if (sig.namespace !== namespace) return false;
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: sig.publicKey.toString('base64url') }, format: 'jwk' });
  return verify(null, signedData(namespace, sig.hash, digest), key, sig.signature);
}

/** The public key as an OpenSSH public key line's first two fields: `ssh-ed25519 AAAA…`. */
export function publicKeyText(pub: Uint8Array): string {
  return `ssh-ed25519 ${ed25519PublicBlob(pub).toString('base64')}`;
}

/** SHA256:… fingerprint as ssh-keygen -l prints it. */
export function fingerprint(pub: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(ed25519PublicBlob(pub)).digest('base64').replace(/=+$/, '')}`;
}
