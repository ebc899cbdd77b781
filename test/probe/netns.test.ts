/**
 * flowaudit probe in a namespace lab of its own: namespace `pa` (the AMS server, 10.98.1.1) and
 * namespace `pd` holding two domain controllers on one veth (dc1 10.98.1.2, dc2 10.98.1.3), with
 * iptables rules in `pd` per destination address. The probe process itself runs inside `pa`
 * (`ip netns exec`), so every packet stays between the two namespaces; the addresses exist only
 * inside them. Listeners (lab_peer.mjs) on tcp/389 and tcp/3389, DNS on udp/53, CLDAP on udp/389.
 *   dc1: tcp/3268 DROP (filtered), tcp/22 DROP, tcp/135 REJECT tcp-reset (refused), tcp/445 REJECT
 *        icmp-host-unreachable (unreachable), tcp/3389 open (an undocumented finding)
 *   dc2: udp/389 REJECT icmp-port-unreachable (UDP refused), tcp/3389 DROP
 * Skipped unless root with ip and iptables; FLOWAUDIT_REQUIRE_LIVE=1 turns the skip into a failure.
 */
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProbeResult, ProbeRow } from '../../src/audit/probe_result.js';
import { describeNetns, toolsUnavailable } from '../firewall/netns_support.js';
import { waitFor } from '../live/support.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'flowaudit.js');
const PEER = join(import.meta.dirname, 'lab_peer.mjs');
const tag = String(process.pid % 100000);
const NS = { ams: `fa-pa-${tag}`, dc: `fa-pd-${tag}` };
const ADDR = { ams: '10.98.1.1', dc1: '10.98.1.2', dc2: '10.98.1.3', ams6: 'fd98::1', dc6: 'fd98::2' };

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}
const inNs = (ns: string, cmd: string, ...args: string[]): void => sh('ip', ['netns', 'exec', ns, cmd, ...args]);

function setUp(): void {
  for (const ns of Object.values(NS)) sh('ip', ['netns', 'add', ns]);
  for (const ns of Object.values(NS)) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  sh('ip', ['link', 'add', `fpa${tag}`, 'netns', NS.ams, 'type', 'veth', 'peer', 'name', `fpd${tag}`, 'netns', NS.dc]);
  inNs(NS.ams, 'ip', 'addr', 'add', `${ADDR.ams}/24`, 'dev', `fpa${tag}`);
  inNs(NS.ams, 'ip', 'link', 'set', `fpa${tag}`, 'up');
  inNs(NS.ams, 'ip', 'addr', 'add', `${ADDR.ams6}/64`, 'dev', `fpa${tag}`, 'nodad');
  inNs(NS.dc, 'ip', 'addr', 'add', `${ADDR.dc6}/64`, 'dev', `fpd${tag}`, 'nodad');
  for (const a of [ADDR.dc1, ADDR.dc2]) inNs(NS.dc, 'ip', 'addr', 'add', `${a}/24`, 'dev', `fpd${tag}`);
  inNs(NS.dc, 'ip', 'link', 'set', `fpd${tag}`, 'up');
  const rules: string[][] = [
    ['-d', ADDR.dc1, '-p', 'tcp', '--dport', '3268', '-j', 'DROP'],
    ['-d', ADDR.dc1, '-p', 'tcp', '--dport', '22', '-j', 'DROP'],
    ['-d', ADDR.dc1, '-p', 'tcp', '--dport', '135', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ['-d', ADDR.dc1, '-p', 'tcp', '--dport', '445', '-j', 'REJECT', '--reject-with', 'icmp-host-unreachable'],
    ['-d', ADDR.dc2, '-p', 'udp', '--dport', '389', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
    ['-d', ADDR.dc2, '-p', 'tcp', '--dport', '3389', '-j', 'DROP'],
  ];
  for (const r of rules) inNs(NS.dc, 'iptables', '-A', 'INPUT', ...r);
  inNs(NS.dc, 'ip6tables', '-A', 'INPUT', '-d', ADDR.dc6, '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'icmp6-adm-prohibited');
}

function tearDown(): void {
  for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
}

/** Runs flowaudit inside the ams namespace; resolves with its exit code and output. */
function flowaudit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', NS.ams, process.execPath, BIN, ...args], { timeout: 60_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? Number((e as { code?: number }).code ?? 70) : 0, stdout, stderr });
    });
  });
}

const haveSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

const unavailable = toolsUnavailable([
  ['ip', ['-V'], 'iproute2'],
  ['iptables', ['-V'], 'iptables'],
  ['ip6tables', ['-V'], 'iptables'],
]);

describeNetns('flowaudit probe between network namespaces', unavailable, () => {
  let dir = '';
  let peer: ChildProcess | null = null;
  let accepts = '';
  let run: { code: number; stdout: string; stderr: string };
  let report: ProbeResult;
  const row = (address: string, proto: string, port: number): ProbeRow | undefined => report.results.find((r) => r.address === address && r.protocol === proto && r.port === port);

  beforeAll(async () => {
    tearDown();
    dir = mkdtempSync(join(tmpdir(), 'fa-probe-ns-'));
    setUp();
    const inventory = {
      roles: { 'ams-server': [ADDR.ams, ADDR.ams6], 'domain-controller': [ADDR.dc1, ADDR.dc2, ADDR.dc6], 'global-catalog': [ADDR.dc1], 'dns-server': [ADDR.dc1] },
      names: { [ADDR.ams]: 'ams1', [ADDR.dc1]: 'dc1', [ADDR.dc2]: 'dc2', [ADDR.dc6]: 'dc6' },
    };
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    const ports = [389, 3389, 8001, 8002, 8003, 8004, 8005, 8006];
    peer = spawn('ip', ['netns', 'exec', NS.dc, process.execPath, PEER, '0.0.0.0', ports.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
    peer.stdout!.on('data', (d) => (accepts += String(d)));
    await waitFor(() => accepts.includes('ready'), 10_000, () => 'lab peer did not start');
    run = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '50', '--timeout', '1500ms', '-f', 'json', '-o', join(dir, 'probe.json'));
    report = JSON.parse(readFileSync(join(dir, 'probe.json'), 'utf8')) as ProbeResult;
  }, 90_000);

  afterAll(() => {
    peer?.kill('SIGKILL');
    tearDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds an open, a refused, a filtered and an ICMP-unreachable TCP port', () => {
    expect(run.code, run.stderr).toBe(1);
    const seen = (a: string, p: number) => [row(a, 'tcp', p)?.state, row(a, 'tcp', p)?.judgement];
    expect(seen(ADDR.dc1, 389)).toEqual(['open', 'works']);
    expect(seen(ADDR.dc1, 3389)).toEqual(['open', 'finding']);
    expect(seen(ADDR.dc1, 135)).toEqual(['refused', 'fails']); // REJECT tcp-reset
    expect(seen(ADDR.dc1, 23)).toEqual(['refused', 'closed']); // nothing listens
    expect(seen(ADDR.dc1, 3268)).toEqual(['filtered', 'fails']); // DROP
    expect(seen(ADDR.dc1, 22)).toEqual(['filtered', 'closed']); // DROP
    expect(seen(ADDR.dc1, 445)).toEqual(['unreachable', 'closed']); // REJECT icmp-host-unreachable
    expect(row(ADDR.dc1, 'tcp', 445)?.how).toMatch(/EHOSTUNREACH/);
    expect(seen(ADDR.dc2, 3389)).toEqual(['filtered', 'closed']);
    expect(row(ADDR.dc1, 'tcp', 3268)!.ms).toBeGreaterThanOrEqual(1490);
  });

  it('IPv6: an ICMPv6 administratively-prohibited is unreachable (Linux reports it at the retransmitted SYN), RST is refused', () => {
    expect(row(ADDR.dc6, 'tcp', 22)).toMatchObject({ state: 'unreachable', how: 'ICMP unreachable (EACCES)', judgement: 'closed' });
    expect(row(ADDR.dc6, 'tcp', 389)).toMatchObject({ state: 'refused', judgement: 'fails' });
  });

  it('asks UDP services a protocol-correct question: DNS and the CLDAP LDAP ping; ICMP port unreachable is refused', () => {
    expect(row(ADDR.dc1, 'udp', 53)).toMatchObject({ state: 'open', how: 'DNS response REFUSED', judgement: 'works' });
    expect(row(ADDR.dc1, 'udp', 389)).toMatchObject({ state: 'open', how: 'LDAP searchResDone', judgement: 'works' });
    expect(row(ADDR.dc2, 'udp', 389)).toMatchObject({ state: 'refused', how: 'ICMP port unreachable (ECONNREFUSED)', judgement: 'fails' });
  });

  it('targets inventory members only and judges the segmentation test', () => {
    expect(new Set(report.results.map((r) => r.address))).toEqual(new Set([ADDR.dc1, ADDR.dc2, ADDR.dc6]));
    expect(report.verdict).toBe('fail');
    expect(report.verdictReasons).toEqual(
      expect.arrayContaining(['undocumented tcp/3389 on dc1 (10.98.1.2) is open: no matrix rule allows it', expect.stringMatching(/^required tcp\/3268 on dc1 .*filtered/)]),
    );
    expect(report.controls.requirements.map((q) => q.id)).toEqual(['PCI DSS 11.4.5', 'PCI DSS 1.3.1', 'PCI DSS 1.3.2']);
    expect(report.from.addresses).toContain(ADDR.ams);
  });

  it('the report verifies, and a changed cell does not', async () => {
    const ok = await flowaudit('verify', join(dir, 'probe.json'));
    expect(ok.stdout).toMatch(/verified$/m);
    expect(ok.code).toBe(0);
    const text = readFileSync(join(dir, 'probe.json'), 'utf8').replace('"judgement": "finding"', '"judgement": "closed"');
    writeFileSync(join(dir, 'changed.json'), text);
    const bad = await flowaudit('verify', join(dir, 'changed.json'));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/CHANGED: evidence.resultSha256/);
  });

  it('--write keeps the probe\'s own packets; verify re-hashes them with the HTML report', async () => {
    const html = join(dir, 'probe.html');
    const r = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '50', '--timeout', '300ms', '--write', join(dir, 'probe.pcapng'), '-q', '-o', html);
    expect(r.code, r.stderr).toBe(1);
    const j = JSON.parse(Buffer.from(/flowaudit-result:base64 (\S+) -->/.exec(readFileSync(html, 'utf8'))![1]!, 'base64').toString('utf8')) as ProbeResult;
    expect(j.capture).toMatchObject({ path: join(dir, 'probe.pcapng'), unavailable: null });
    expect(j.capture!.packets).toBeGreaterThan(j.results.length); // every SYN, and the answers
    const v = await flowaudit('verify', html);
    expect(v.stdout).toMatch(/packets +ok: .*probe\.pcapng has the recorded sha256/);
    expect(v.code, v.stdout).toBe(0);
    writeFileSync(join(dir, 'probe.pcapng'), 'not the packets');
    expect((await flowaudit('verify', html)).code).toBe(1);
  });

  it('--write where no engine can capture: the probe runs and the report says why nothing was kept', async () => {
    const r = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '50', '--timeout', '300ms', '--write', join(dir, 'none.pcapng'), '--interface', 'nosuchdev0', '-q', '-f', 'json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as ProbeResult;
    expect(j.capture).toMatchObject({ path: null, unavailable: expect.stringMatching(/none\.pcapng not written: .*nosuchdev0/) });
    expect(j.summary.tried).toBe(j.summary.probes);
  });

  it.skipIf(!haveSshKeygen)('--sign-key signs the report; verify --allowed-signers checks it', async () => {
    const key = join(dir, 'key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'auditor@example', '-f', key]);
    const [type, blob] = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
    writeFileSync(join(dir, 'allowed'), `auditor@example namespaces="flowaudit" ${type} ${blob}\n`);
    const out = join(dir, 'signed.md');
    const r = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '50', '--timeout', '300ms', '-q', '-o', out, '--sign-key', key);
    expect(r.stderr).toMatch(/signed .*signed\.md → .*signed\.md\.sig/);
    const v = await flowaudit('verify', out, '--allowed-signers', join(dir, 'allowed'));
    expect(v.stdout).toMatch(/signature +ok: /);
    expect(v.code, v.stdout).toBe(0);
    writeFileSync(out, readFileSync(out, 'utf8').replace('dc1', 'dcX'));
    const bad = await flowaudit('verify', out, '--allowed-signers', join(dir, 'allowed'));
    expect(bad.stdout).toMatch(/signature +BAD/);
    expect(bad.code).toBe(1);
  });

  it('starts probes no faster than --rate (SYN accept times seen by the listener)', async () => {
    accepts = '';
    const r = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '10', '--timeout', '300ms', '--ports', '8001,8002,8003,8004,8005,8006', '-q', '-f', 'json');
    expect(r.code).toBe(1);
    const times = [...accepts.matchAll(/^accept \d+ ([\d.]+)$/gm)].map((m) => Number(m[1])).sort((a, b) => a - b);
    // dc1 and dc2: 389 and 8001-8006 each; dc1: 3389 (dc2 drops it) = 15 connections accepted.
    expect(times.length).toBe(15);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 10/s: one start every 100 ms. The listener stamps accepts from its own event loop, so on a busy
    // machine a starved listener stamps two accepts together (a gap near 0 now and then); a burst would
    // make most gaps near 0, so the median gap is what is checked, with the span and the 1 s windows.
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(80);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(0.9 * 100 * (times.length - 1));
    for (const t of times) expect(times.filter((x) => x >= t && x < t + 1000).length).toBeLessThanOrEqual(11); // capacity 1 + 10/s
  });

  it('lists what the budget left no time for as not tried, and never passes', async () => {
    const r = await flowaudit('probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--rate', '10', '--timeout', '500ms', '--budget', '1s', '-q', '-f', 'json');
    const j = JSON.parse(r.stdout) as ProbeResult;
    const notTried = j.results.filter((x) => x.judgement === 'not tried');
    expect(notTried.length).toBeGreaterThan(10);
    expect(j.summary.tried).toBeLessThanOrEqual(6);
    expect(notTried.every((x) => x.startedAt === null && x.state === 'not tried')).toBe(true);
    expect(j.verdict).not.toBe('pass');
  });
});
