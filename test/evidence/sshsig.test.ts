/**
 * Signing: keys made by ssh-keygen in the test; `ssh-keygen -Y verify` accepts flowaudit's
 * signature and rejects it after one changed byte; flowaudit's own check agrees, and also accepts
 * a signature made by `ssh-keygen -Y sign`. Skips (with the reason) when ssh-keygen is missing;
 * CI installs openssh-client and sets FLOWAUDIT_REQUIRE_SSH=1, which turns the skip into a failure.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSigningKey } from '../../src/evidence/openssh_key.js';
import { checkFileSignature, signFile } from '../../src/evidence/sign_file.js';
import { parseAllowedSigners, principalMatches } from '../../src/evidence/allowed_signers.js';

const haveSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;
if (!haveSshKeygen && process.env.FLOWAUDIT_REQUIRE_SSH) throw new Error('ssh-keygen is required (FLOWAUDIT_REQUIRE_SSH=1): apt-get install openssh-client');

function makeKey(dir: string, name = 'key', passphrase = ''): { key: string; allowed: string } {
  const key = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'auditor@example', '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  const allowed = join(dir, `${name}.allowed_signers`);
  writeFileSync(allowed, `auditor@example namespaces="flowaudit" ${pub[0]} ${pub[1]}\n`);
  return { key, allowed };
}

function sshVerify(allowed: string, file: string): { code: number | null; out: string } {
  const r = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'auditor@example', '-n', 'flowaudit', '-s', `${file}.sig`], { input: readFileSync(file) });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!haveSshKeygen)('SSHSIG signing (ssh-keygen missing: apt-get install openssh-client)', () => {
  it('ssh-keygen -Y verify accepts the signature, and rejects it after one changed byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-sig-'));
    const { key, allowed } = makeKey(dir);
    const report = join(dir, 'report.json');
    writeFileSync(report, '{"verdict":"fail"}\n');
    const sig = await signFile(report, readSigningKey(key), (p, t) => writeFileSync(p, t));
    expect(sig).toBe(`${report}.sig`);
    const ok = sshVerify(allowed, report);
    expect(ok.out).toContain('Good "flowaudit" signature for auditor@example');
    expect(ok.code).toBe(0);
    expect(checkFileSignature(report, allowed, 'auditor@example').ok).toBe(true);
    writeFileSync(report, '{"verdict":"pass"}\n');
    const bad = sshVerify(allowed, report);
    expect(bad.code).not.toBe(0);
    const own = checkFileSignature(report, allowed);
    expect(own.ok).toBe(false);
    expect(own.line).toContain('does not match');
  });

  it('flowaudit checks a signature made by ssh-keygen -Y sign; another key or namespace is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-sig-'));
    const { key, allowed } = makeKey(dir);
    const other = makeKey(dir, 'other');
    const file = join(dir, 'r.md');
    writeFileSync(file, '## flowaudit: FAIL\n');
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', 'flowaudit', file]);
    expect(checkFileSignature(file, allowed).line).toMatch(/good signature by auditor@example \(SHA256:/);
    expect(checkFileSignature(file, other.allowed)).toMatchObject({ ok: false });
    expect(checkFileSignature(file, other.allowed).line).toContain('is not in');
    expect(checkFileSignature(file, allowed, 'someone@else').ok).toBe(false);
    rmSync(`${file}.sig`);
    execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', 'file', file]);
    expect(checkFileSignature(file, allowed).line).toContain('namespace "file"');
  });

  it('a key with a passphrase and no ssh-agent is one clear line suggesting ssh-add or a key without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-sig-'));
    const { key } = makeKey(dir, 'locked', 'secret phrase');
    expect(() => readSigningKey(key, {})).toThrow(/protected by a passphrase .*through ssh-agent: start one, ssh-add .*locked, and set SSH_AUTH_SOCK .*ssh-keygen -t ed25519 -N ''/);
  });

  it('a key with a passphrase signs through ssh-agent (the key file, or its .pub); an agent without the key says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-agent-'));
    const { key, allowed } = makeKey(dir, 'locked', 'secret phrase');
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      const env = { SSH_AUTH_SOCK: sock };
      await expect(readSigningKey(key, env).sign(Buffer.from('x'))).rejects.toThrow(/does not hold this key; add it with ssh-add/);
      const askpass = join(dir, 'askpass.sh');
      writeFileSync(askpass, "#!/bin/sh\necho 'secret phrase'\n", { mode: 0o700 });
      execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' }, stdio: 'ignore' });
      for (const which of [key, `${key}.pub`]) {
        const report = join(dir, `report-${which.endsWith('.pub') ? 'pub' : 'key'}.md`);
        writeFileSync(report, '## flowaudit: FAIL\n');
        const signer = readSigningKey(which, env);
        expect(signer.via).toBe('ssh-agent');
        await signFile(report, signer, (p, t) => writeFileSync(p, t));
        const r = sshVerify(allowed, report);
        expect(r.out).toContain('Good "flowaudit" signature for auditor@example');
        expect(checkFileSignature(report, allowed).ok).toBe(true);
      }
    } finally {
      agent.kill();
    }
  });
});

describe('key and allowed-signers parsing', () => {
  it.each([
    ['not a key at all', /not a key file/],
    ['-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n', /a RSA PRIVATE KEY file/],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5v\n-----END OPENSSH PRIVATE KEY-----\n', /ends inside|needs/],
  ])('%j is refused in one line', (text, re) => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-key-'));
    writeFileSync(join(dir, 'k'), text);
    expect(() => readSigningKey(join(dir, 'k'))).toThrow(re);
  });

  it.each([
    ['a@b ssh-ed25519 AAAA c', { principals: ['a@b'], namespaces: null, unsupported: null, key: 'AAAA' }],
    ['a@b,c@d namespaces="git,flowaudit" ssh-ed25519 BBBB', { principals: ['a@b', 'c@d'], namespaces: ['git', 'flowaudit'], key: 'BBBB' }],
    ['*@corp cert-authority ssh-ed25519 CCCC', { unsupported: 'cert-authority' }],
  ])('allowed signers line %j', (line, want) => {
    expect(parseAllowedSigners(`# comment\n\n${line}\n`)[0]).toMatchObject(want);
  });

  it.each([
    [['*@corp'], 'x@corp', true],
    [['*@corp', '!bad@corp'], 'bad@corp', false],
    [['a?c'], 'abc', true],
    [['a.c'], 'abc', false],
  ])('principal patterns %j match %s: %s', (p, id, want) => {
    expect(principalMatches(p, id)).toBe(want);
  });
});
