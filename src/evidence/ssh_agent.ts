/**
 * Signing through ssh-agent (draft-miller-ssh-agent §3.6): a key whose file is protected by a
 * passphrase is used without flowaudit ever seeing the passphrase or the private key. One request
 * on the agent's socket ($SSH_AUTH_SOCK): SSH_AGENTC_SIGN_REQUEST (13) with the public key blob,
 * the data and flags 0; the answer is SSH_AGENT_SIGN_RESPONSE (14) with the signature blob
 * (string "ssh-ed25519", string the 64-byte signature), or SSH_AGENT_FAILURE (5) when the agent
 * does not hold the key. node:net is loaded only here, on first use.
 */
import { createRequire } from 'node:module';
import { InputError, messageOf } from '../errors.js';
import { SshReader, ed25519PublicBlob, sshString, sshUint32 } from './ssh_wire.js';

const SIGN_REQUEST = 13;
const SIGN_RESPONSE = 14;
const FAILURE = 5;
const TIMEOUT_MS = 30_000;

const net = (): typeof import('node:net') => createRequire(import.meta.url)('node:net') as typeof import('node:net');

function request(sock: string, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net().createConnection(sock);
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => c.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    c.on('connect', () => c.write(Buffer.concat([sshUint32(msg.length), msg])));
    c.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      const all = Buffer.concat(chunks, got);
      if (all.length >= 4 && all.length >= 4 + all.readUInt32BE(0)) {
        clearTimeout(timer);
        c.end();
        resolve(all.subarray(4, 4 + all.readUInt32BE(0)));
      }
    });
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.on('close', () => {
      clearTimeout(timer);
      reject(new Error('the agent closed the connection without an answer'));
    });
  });
}

/** The raw 64-byte ed25519 signature of `data` by the agent's key `publicKey`. */
export async function agentSign(sock: string, publicKey: Uint8Array, data: Buffer, keyName: string): Promise<Buffer> {
  const msg = Buffer.concat([Buffer.from([SIGN_REQUEST]), sshString(ed25519PublicBlob(publicKey)), sshString(data), sshUint32(0)]);
  let answer: Buffer;
  try {
    answer = await request(sock, msg);
  } catch (e) {
    throw new InputError(`--sign-key ${keyName}: cannot sign through ssh-agent at ${sock}: ${messageOf(e)}`);
  }
  if (answer[0] === FAILURE) throw new InputError(`--sign-key ${keyName}: the ssh-agent at ${sock} does not hold this key; add it with ssh-add ${keyName}`);
  if (answer[0] !== SIGN_RESPONSE) throw new InputError(`--sign-key ${keyName}: unexpected answer ${answer[0]} from ssh-agent`);
  const blob = new SshReader(new SshReader(answer.subarray(1), 'ssh-agent answer').string('the signature'), 'ssh-agent signature');
  const type = blob.text('the signature type');
  const sig = blob.string('the signature bytes');
  if (type !== 'ssh-ed25519' || sig.length !== 64) throw new InputError(`--sign-key ${keyName}: ssh-agent answered with a ${type} signature`);
  return Buffer.from(sig);
}
