/**
 * Reads an OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`, the openssh-key-v1
 * format of OpenSSH's PROTOCOL.key, as `ssh-keygen -t ed25519` writes it) into a Signer.
 *   - unencrypted ed25519 key: signed here with node's ed25519;
 *   - a key protected by a passphrase, or a public key file (KEY.pub): signed by ssh-agent
 *     ($SSH_AUTH_SOCK; ssh_agent.ts) with that public key, which the key file keeps unencrypted.
 *     Without an agent: one clear line suggesting `ssh-add KEY`.
 * Other key types are named and refused.
 *
 * Layout: "openssh-key-v1\0", string ciphername, string kdfname, string kdfoptions, uint32 number
 * of keys (1), string public key blob, string private section. The private section: uint32 check
 * twice (equal when the key is not encrypted or was decrypted right), then per key string
 * "ssh-ed25519", string public key (32), string private key (64: seed then public key), string
 * comment, and padding 1, 2, 3, ….
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { agentSign } from './ssh_agent.js';
import { SshReader, SshWireError } from './ssh_wire.js';

const AUTH_MAGIC = 'openssh-key-v1\0';

/** What signs: the 32-byte public key, and a function that signs bytes with its private key. */
export interface Ed25519SigningKey {
  publicKey: Uint8Array;
  comment: string;
  /** 'key file' or 'ssh-agent'. */
  via: string;
  sign(data: Buffer): Promise<Buffer>;
}

function localSigner(privateKey: KeyObject, publicKey: Uint8Array, comment: string): Ed25519SigningKey {
  return { publicKey, comment, via: 'key file', sign: async (data) => sign(null, data, privateKey) };
}

function agentSigner(name: string, publicKey: Uint8Array, comment: string, env: Record<string, string | undefined>, why: string): Ed25519SigningKey {
  const sock = env.SSH_AUTH_SOCK;
  if (!sock) {
    throw new InputError(
      `--sign-key ${name}: ${why}; flowaudit signs with such a key through ssh-agent: start one, ssh-add ${name}, and set SSH_AUTH_SOCK (or give a key made for signing without a passphrase: ssh-keygen -t ed25519 -N '' -f KEY, kept protected on disk)`,
    );
  }
  return { publicKey, comment, via: 'ssh-agent', sign: (data) => agentSign(sock, publicKey, data, name) };
}

/** A public key line (`ssh-ed25519 AAAA… comment`), as in KEY.pub. */
function publicKeyLine(text: string, name: string): { publicKey: Uint8Array; comment: string } | null {
  const m = /^\s*(ssh-[a-z0-9-]+)\s+([A-Za-z0-9+/=]+)\s*(.*)$/m.exec(text);
  if (!m) return null;
  if (m[1] !== 'ssh-ed25519') throw new InputError(`--sign-key ${name}: a ${m[1]} key; flowaudit signs with ed25519 keys (ssh-keygen -t ed25519)`);
  const r = new SshReader(Buffer.from(m[2]!, 'base64'), name);
  r.string('the key type');
  const publicKey = Buffer.from(r.string('the public key'));
  if (publicKey.length !== 32) throw new InputError(`--sign-key ${name}: ed25519 public key of ${publicKey.length} bytes`);
  return { publicKey, comment: m[3] ?? '' };
}

/** The key in `path`, or an InputError (exit 2) naming the file and what is wrong. */
export function readSigningKey(path: string, env: Record<string, string | undefined> = {}): Ed25519SigningKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`--sign-key ${path}: cannot read: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  try {
    const pub = text.includes('-----BEGIN') ? null : publicKeyLine(text, path);
    if (pub) return agentSigner(path, pub.publicKey, pub.comment, env, 'a public key');
    return parseOpensshPrivateKey(text, path, env);
  } catch (e) {
    if (e instanceof SshWireError) throw new InputError(`--sign-key ${e.message}`);
    throw e;
  }
}

export function parseOpensshPrivateKey(text: string, name: string, env: Record<string, string | undefined> = {}): Ed25519SigningKey {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (!m) {
    const pem = /-----BEGIN ([A-Z ]+)-----/.exec(text);
    const what = pem ? `a ${pem[1]} file` : 'not a key file';
    throw new InputError(`--sign-key ${name}: ${what}; give an OpenSSH ed25519 private key (ssh-keygen -t ed25519 -f KEY)`);
  }
  const raw = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  if (raw.subarray(0, AUTH_MAGIC.length).toString('latin1') !== AUTH_MAGIC) {
    throw new InputError(`--sign-key ${name}: not an openssh-key-v1 key`);
  }
  const r = new SshReader(raw.subarray(AUTH_MAGIC.length), name);
  const cipher = r.text('the cipher name');
  const kdf = r.text('the KDF name');
  r.string('the KDF options');
  const count = r.uint32('the number of keys');
  if (count !== 1) throw new InputError(`--sign-key ${name}: holds ${count} keys, expected 1`);
  const pubBlob = new SshReader(r.string('the public key'), name);
  const pubType = pubBlob.text('the key type');
  if (pubType !== 'ssh-ed25519') throw new InputError(`--sign-key ${name}: a ${pubType} key; flowaudit signs with ed25519 keys (ssh-keygen -t ed25519)`);
  if (cipher !== 'none' || kdf !== 'none') {
    return agentSigner(name, Buffer.from(pubBlob.string('the public key')), '', env, `the key is protected by a passphrase (${cipher}, ${kdf}), which flowaudit does not decrypt`);
  }
  const p = new SshReader(r.string('the private section'), name);
  if (p.uint32('check 1') !== p.uint32('check 2')) throw new InputError(`--sign-key ${name}: the private section's check numbers differ (damaged key)`);
  const type = p.text('the key type');
  if (type !== 'ssh-ed25519') throw new InputError(`--sign-key ${name}: a ${type} key; flowaudit signs with ed25519 keys (ssh-keygen -t ed25519)`);
  const pub = p.string('the public key');
  const priv = p.string('the private key');
  const comment = p.text('the comment');
  if (pub.length !== 32 || priv.length !== 64) throw new InputError(`--sign-key ${name}: ed25519 key of the wrong size (${pub.length}/${priv.length} bytes)`);
  if (!Buffer.from(priv.subarray(32)).equals(Buffer.from(pub))) throw new InputError(`--sign-key ${name}: the private key does not hold its public key (damaged key)`);
  const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64u(priv.subarray(0, 32)), x: b64u(pub) }, format: 'jwk' });
  return localSigner(privateKey, Buffer.from(pub), comment);
}
