/**
 * Issue 17 on `live`: --sign-key and --evidence-dir --copy-inputs through a whole live session
 * (engine pktmon, the stand-in program of test/live/windows_standin.mjs on PATH replaying the lab):
 * the report's signature and the evidence directory (with the session's evidence pcapng copied)
 * verify. Skips when ssh-keygen is missing (CI installs openssh-client).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const haveSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

describe.skipIf(!haveSshKeygen)('live --sign-key --evidence-dir (ssh-keygen missing: apt-get install openssh-client)', () => {
  it('the signed report and the evidence directory of a live session verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-live-ev-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(resolve('test/live/windows_standin.mjs'), join(bin, 'pktmon'));
    const key = join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'auditor@example', '-f', key]);
    const [type, blob] = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
    const allowed = join(dir, 'allowed_signers');
    writeFileSync(allowed, `auditor@example ${type} ${blob}\n`);
    writeFileSync(join(dir, 'log.jsonl'), '');
    const report = join(dir, 'live.json');
    const ev = join(dir, 'evidence');
    const argv = [resolve('bin/flowaudit.js'), 'live', '-i', 'all', '--engine', 'pktmon', '--inventory', resolve('fixtures/ams-lab.inventory.json'), '--duration', '1s'];
    argv.push('--write', join(dir, 'live.pcapng'), '-f', 'json', '-o', report, '--sign-key', key, '--evidence-dir', ev, '--copy-inputs');
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, STANDIN_LOG: join(dir, 'log.jsonl'), STANDIN_SOURCE: resolve('fixtures/ams-lab.pcapng'), STANDIN_FAIL: '', SOURCE_DATE_EPOCH: '1700000000' };
    const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stderr).toContain(`signed ${report} → ${report}.sig`);
    expect(code).toBe(1);
    const v = await runCli(['verify', report, '--allowed-signers', allowed]);
    expect(v.stdout).toMatch(/signature\s+ok: .*good signature by auditor@example/);
    expect(v.code).toBe(0);
    const d = await runCli(['verify', ev, '--allowed-signers', allowed]);
    expect(d.stdout).toMatch(/capture\s+ok: .*evidence\/inputs\/live\.pcapng/);
    expect(d.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(d.code).toBe(0);
  });
});
