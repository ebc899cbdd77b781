/**
 * Issue 17, signed evidence and evidence packs, end to end through the CLI: --sign-key writes
 * REPORT.sig that `ssh-keygen -Y verify` accepts (and rejects after one changed byte), and that
 * `flowaudit verify --allowed-signers` checks; --evidence-dir writes every format, the policy,
 * the inputs (--copy-inputs) and a signed manifest; `verify DIR` passes, and a changed, added or
 * deleted file fails and is named; a forged text or CSV report in the directory fails even with
 * the manifest updated to match (the renderings are checked against report.json).
 * Signing tests skip when ssh-keygen is missing (CI installs openssh-client).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const haveSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;
if (!haveSshKeygen && process.env.FLOWAUDIT_REQUIRE_SSH) throw new Error('ssh-keygen is required (FLOWAUDIT_REQUIRE_SSH=1): apt-get install openssh-client');

function makeKey(dir: string): { key: string; allowed: string } {
  const key = join(dir, 'key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'auditor@example', '-f', key]);
  const [type, blob] = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  const allowed = join(dir, 'allowed_signers');
  writeFileSync(allowed, `auditor@example namespaces="flowaudit" ${type} ${blob}\n`);
  return { key, allowed };
}

function setup(): { dir: string; capture: string; inventory: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fa-evdir-'));
  const capture = join(dir, 'lab.pcapng');
  const inventory = join(dir, 'inv.json');
  copyFileSync('fixtures/ams-lab.pcapng', capture);
  copyFileSync('fixtures/ams-lab.inventory.json', inventory);
  return { dir, capture, inventory };
}

async function evidenceDir(extra: string[] = []): Promise<{ dir: string; ev: string }> {
  const { dir, capture, inventory } = setup();
  const ev = join(dir, 'evidence');
  const r = await runCli(['audit', capture, '-i', inventory, '--evidence-dir', ev, '--copy-inputs', ...extra]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`wrote the evidence directory ${ev}`);
  return { dir, ev };
}

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

/** manifest.json of `ev` edited in place (unsigned, as a forger would); returns its path. */
function editManifest(ev: string, edit: (m: Record<string, any>) => void): string {
  const mp = join(ev, 'manifest.json');
  const m = JSON.parse(readFileSync(mp, 'utf8'));
  edit(m);
  writeFileSync(mp, `${JSON.stringify(m, null, 2)}\n`);
  return mp;
}

describe('--evidence-dir and verify DIR', () => {
  it('writes every format, the policy, the inputs and the manifest; verify DIR passes', async () => {
    const { ev } = await evidenceDir();
    const m = JSON.parse(readFileSync(join(ev, 'manifest.json'), 'utf8'));
    expect(m.files.map((f: { path: string }) => f.path)).toEqual(['inputs/lab.pcapng', 'inventory.json', 'matrix.json', 'report.csv', 'report.html', 'report.json', 'report.md', 'report.txt']);
    for (const f of m.files) expect(f.sha256).toBe(sha(join(ev, f.path)));
    expect(m.inputs[0]).toMatchObject({ copy: 'inputs/lab.pcapng', sha256: sha('fixtures/ams-lab.pcapng') });
    const v = await runCli(['verify', ev]);
    expect(v.stdout).toContain('files      8 of 8 files match');
    expect(v.stdout).toContain('manifest   ok: every field it repeats from report.json');
    expect(v.stdout.match(/visible\s+ok/g)).toHaveLength(5);
    expect(v.stdout).toContain('re-run     ok');
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it.each([
    ['changed', (ev: string) => writeFileSync(join(ev, 'report.md'), `${readFileSync(join(ev, 'report.md'), 'utf8')} `), /CHANGED: report\.md sha256 is/, 'report.md was changed'],
    ['added', (ev: string) => writeFileSync(join(ev, 'notes.txt'), 'added later\n'), /ADDED: notes\.txt is in .* but not in the manifest/, 'notes.txt was added'],
    ['deleted', (ev: string) => rmSync(join(ev, 'report.csv')), /DELETED: report\.csv is in the manifest but not in/, 'report.csv was deleted'],
    ['changed input copy', (ev: string) => writeFileSync(join(ev, 'inputs', 'lab.pcapng'), readFileSync(join(ev, 'inputs', 'lab.pcapng')).subarray(0, 5000)), /CHANGED: inputs\/lab\.pcapng sha256 is/, 'inputs/lab.pcapng was changed'],
  ])('a %s file fails and is named', async (_what, edit, line, problem) => {
    const { ev } = await evidenceDir();
    edit(ev);
    const v = await runCli(['verify', ev]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(line);
    expect(v.stdout.trim().split('\n').at(-1)).toContain(problem);
  });

  // Found by mutating manifest bytes: a field the manifest repeats from report.json, edited alone, used to verify.
  it.each([
    ['an input hash', (m: Record<string, any>) => { m.inputs[0].sha256 = '0'.repeat(64); }, /manifest\s+DIFFERS from report\.json: inputs\[0\]\.sha256: "0{64}" → "[0-9a-f]{64}"/],
    ['an input path', (m: Record<string, any>) => { m.inputs[0].path = 'other.pcapng'; }, /inputs\[0\]\.path: "other\.pcapng" → ".*lab\.pcapng"/],
    ['the inventory path', (m: Record<string, any>) => { m.policy.inventory.path = 'inv.jon'; }, /policy\.inventory\.path: "inv\.jon" → ".*inv.*\.json"/],
    ['the matrix spec', (m: Record<string, any>) => { m.policy.matrix[0].spec = 'builtin:other'; }, /policy\.matrix: \["builtin:other"\] → \["builtin:ams"\]/],
    ['the verdict', (m: Record<string, any>) => { m.verdict = 'pass'; }, /verdict: "pass" → "fail"/],
    ['the time', (m: Record<string, any>) => { m.generatedAt = '2020-01-01T00:00:00.000Z'; }, /generatedAt: "2020-01-01T00:00:00\.000Z" → /],
  ])('a manifest with %s edited alone fails, naming the field', async (_what, edit, line) => {
    const { ev } = await evidenceDir();
    editManifest(ev, edit);
    const v = await runCli(['verify', ev]);
    expect(v.stdout).toMatch(line);
    expect(v.stdout.trim().split('\n').at(-1)).toContain('the manifest does not describe report.json');
    expect(v.code).toBe(1);
  });

  it.each([
    ['policy.inventory', (m: Record<string, any>) => { delete m.policy.inventory.copy; }],
    ['inputs[0]', (m: Record<string, any>) => { m.inputs[0] = 7; }],
    ['policy.matrix[0]', (m: Record<string, any>) => { m.policy.matrix[0].spec = null; }],
  ])('a manifest whose %s is malformed is refused in one line (exit 2), not an internal error', async (field, edit) => {
    const { ev } = await evidenceDir();
    const mp = editManifest(ev, edit);
    const v = await runCli(['verify', ev]);
    expect(v.stderr.trim().split('\n')).toEqual([`flowaudit: ${mp}: a flowaudit/evidence@1 manifest whose ${field} is malformed (edited by hand?)`]);
    expect(v.code).toBe(2);
  });

  it.each([
    ['report.txt', (t: string) => t.replace('verdict: FAIL', 'verdict: PASS')],
    ['report.csv', (t: string) => t.replace('verdict,,fail,', 'verdict,,pass,')],
  ])('a forged %s fails even with the (unsigned) manifest updated to match', async (name, forge) => {
    const { ev } = await evidenceDir();
    const p = join(ev, name);
    const forged = forge(readFileSync(p, 'utf8'));
    expect(forged).not.toBe(readFileSync(p, 'utf8'));
    writeFileSync(p, forged);
    const mp = join(ev, 'manifest.json');
    const m = JSON.parse(readFileSync(mp, 'utf8'));
    for (const f of m.files) if (f.path === name) f.sha256 = sha(p);
    writeFileSync(mp, `${JSON.stringify(m, null, 2)}\n`);
    const v = await runCli(['verify', ev]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`files      8 of 8 files match`);
    expect(v.stdout).toMatch(new RegExp(`visible\\s+CHANGED: ${name.replace('.', '\\.')} is not what flowaudit writes`));
  });

  it('refuses a used directory, --copy-inputs alone, and --sign-key with nowhere to sign (exit 2, one line)', async () => {
    const { dir, capture, inventory } = setup();
    for (const [args, re] of [
      [['--evidence-dir', dir], /--evidence-dir .*: not empty/],
      [['--copy-inputs'], /--copy-inputs needs --evidence-dir DIR/],
      [['--sign-key', inventory], /--sign-key needs -o FILE or --evidence-dir DIR/],
      [['--sign-key', inventory, '-o', '/dev/null'], /--sign-key: \/dev\/null is not a regular file/],
      [['--sign-key', inventory, '-o', join(dir, 'r.txt')], /--sign-key .*inv\.json: not a key file/],
    ] as const) {
      const r = await runCli(['audit', capture, '-i', inventory, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('verify usage', () => {
  it('an evidence directory with captures given, and --identity without --allowed-signers: one line, exit 2', async () => {
    const { ev } = await evidenceDir();
    const a = await runCli(['verify', ev, 'fixtures/ams-lab.pcapng']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/is an evidence directory: its inputs are the ones its manifest names; give no captures/);
    const b = await runCli(['verify', ev, '--identity', 'auditor@example']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--identity needs --allowed-signers FILE/);
  });
});

describe.skipIf(!haveSshKeygen)('--sign-key (ssh-keygen missing: apt-get install openssh-client)', () => {
  it('REPORT.sig: ssh-keygen -Y verify accepts it and rejects a tampered report; flowaudit verify --allowed-signers agrees', async () => {
    const { dir, capture, inventory } = setup();
    const { key, allowed } = makeKey(dir);
    const report = join(dir, 'report.html');
    const r = await runCli(['audit', capture, '-i', inventory, '-f', 'html', '-o', report, '--sign-key', key]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signed .*report\.html → .*report\.html\.sig \(SHA256:/);
    for (const [p, data] of r.files) writeFileSync(p, data);
    const ssh = (): ReturnType<typeof spawnSync> =>
      spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'auditor@example', '-n', 'flowaudit', '-s', `${report}.sig`], { input: readFileSync(report) });
    const good = ssh();
    expect(`${good.stdout}`).toContain('Good "flowaudit" signature for auditor@example with ED25519 key');
    expect(good.status).toBe(0);
    const v = await runCli(['verify', report, '--allowed-signers', allowed, '--identity', 'auditor@example']);
    expect(v.stdout).toMatch(/signature\s+ok: .*good signature by auditor@example/);
    expect(v.code).toBe(0);
    const bytes = readFileSync(report);
    bytes[200] = bytes[200]! ^ 0x20; // one changed byte
    writeFileSync(report, bytes);
    expect(ssh().status).not.toBe(0);
    const bad = await runCli(['verify', report, '--allowed-signers', allowed]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/signature\s+BAD: .* does not match/);
  });

  it('a signed evidence directory: the manifest signature is checked, and ssh-keygen accepts it', async () => {
    const { dir } = setup();
    const { key, allowed } = makeKey(dir);
    const { ev } = await evidenceDir(['--sign-key', key]);
    const m = join(ev, 'manifest.json');
    expect(JSON.parse(readFileSync(m, 'utf8')).signature).toBe('manifest.json.sig');
    const ssh = spawnSync('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'auditor@example', '-n', 'flowaudit', '-s', `${m}.sig`], { input: readFileSync(m) });
    expect(ssh.status).toBe(0);
    const v = await runCli(['verify', ev, '--allowed-signers', allowed]);
    expect(v.stdout).toMatch(/signature\s+ok: .*manifest\.json\.sig: good signature by auditor@example/);
    expect(v.code).toBe(0);
    rmSync(`${m}.sig`);
    const gone = await runCli(['verify', ev]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain('the signature was deleted');
  });
});

describeShared('an evidence directory of a corpus capture', () => {
  const made = async (): Promise<string> => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-evcorpus-'));
    const ev = join(dir, 'evidence');
    const r = await runCli(['audit', join(CORPUS_DIR, 'captures', 'zeek__ldap-aduser1.pcap'), '--scope', 'all', '--evidence-dir', ev, '--copy-inputs']);
    expect(r.code).toBe(3);
    return ev;
  };

  it('untouched: every rendering and the re-run verify', async () => {
    const v = await runCli(['verify', await made()]);
    expect(v.stdout.match(/visible\s+ok/g)).toHaveLength(5);
    expect(v.stdout.trim().split('\n').at(-1)).toBe('verified');
    expect(v.code).toBe(0);
  });

  it.each([
    ['report.txt', (t: string) => t.replace('verdict: INCONCLUSIVE', 'verdict: PASS')],
    ['report.csv', (t: string) => t.replace('verdict,,inconclusive,', 'verdict,,pass,')],
    ['report.html', (t: string) => t.replace('data-verdict="inconclusive">INCONCLUSIVE<', 'data-verdict="pass">PASS<')],
    ['report.md', (t: string) => t.replace('## flowaudit: INCONCLUSIVE', '## flowaudit: PASS')],
  ])('a forged %s (visible verdict PASS) never verifies', async (name, forge) => {
    const ev = await made();
    const p = join(ev, name);
    const forged = forge(readFileSync(p, 'utf8'));
    expect(forged).not.toBe(readFileSync(p, 'utf8'));
    writeFileSync(p, forged);
    const v = await runCli(['verify', ev]);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`CHANGED: ${name}`);
  });
}, 'corpus/captures/zeek__ldap-aduser1.pcap');
