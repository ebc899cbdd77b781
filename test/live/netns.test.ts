/**
 * Live capture between hosts: three network namespaces (ams, dc, user) joined to ams by two veth
 * pairs, addresses 10.99.1.0/30 (ams–dc) and 10.99.2.0/30 (ams–user) that exist only inside them.
 * flowaudit captures on `any` inside ams (Linux cooked link type) with `--as ams-server`, real Node
 * clients and listeners run with `ip netns exec`, and nftables in dc drops the Global Catalog port.
 * Namespaces are removed in afterAll even when a test fails. Run once per capture engine (cap, and
 * dumpcap, tshark, tcpdump started by flowaudit), one after the other in the same namespaces' names.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { runCli } from '../support/run_cli.js';
import { findEngine } from '../../src/capture/engine_capture.js';
import { describeLive, netnsUnavailable, waitFor } from './support.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'flowaudit.js');
const PEER = join(import.meta.dirname, 'peer.mjs');
const tag = String(process.pid % 100000);
const NS = { ams: `fa-ams-${tag}`, dc: `fa-dc-${tag}`, user: `fa-user-${tag}` };
const ADDR = { amsDc: '10.99.1.1', dc: '10.99.1.2', amsUser: '10.99.2.1', user: '10.99.2.2' };

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
}
const inNs = (ns: string, cmd: string, ...args: string[]): void => sh('ip', ['netns', 'exec', ns, cmd, ...args]);

async function peerIn(ns: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', ns, process.execPath, PEER, ...args], { timeout: 10_000 });
  return stdout.trim();
}

function setUp(): void {
  for (const ns of Object.values(NS)) sh('ip', ['netns', 'add', ns]);
  for (const ns of Object.values(NS)) inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
  // veth names are at most 15 characters.
  const links: [string, string, string, string, string][] = [
    [`fad${tag}a`, `fad${tag}b`, NS.dc, ADDR.amsDc, ADDR.dc],
    [`fau${tag}a`, `fau${tag}b`, NS.user, ADDR.amsUser, ADDR.user],
  ];
  for (const [a, b, peerNs, addrA, addrB] of links) {
    sh('ip', ['link', 'add', a, 'netns', NS.ams, 'type', 'veth', 'peer', 'name', b, 'netns', peerNs]);
    inNs(NS.ams, 'ip', 'addr', 'add', `${addrA}/30`, 'dev', a);
    inNs(NS.ams, 'ip', 'link', 'set', a, 'up');
    inNs(peerNs, 'ip', 'addr', 'add', `${addrB}/30`, 'dev', b);
    inNs(peerNs, 'ip', 'link', 'set', b, 'up');
  }
  // The dc firewall silently drops the Global Catalog port (a firewall drop: S0, never answered).
  const nft = 'table inet fa {\n  chain input {\n    type filter hook input priority 0;\n    tcp dport 3268 drop\n  }\n}\n';
  const r = spawnSync('ip', ['netns', 'exec', NS.dc, 'nft', '-f', '-'], { input: nft, encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`nft: ${r.stderr}`);
}

function tearDown(): void {
  for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
}

function startListener(ns: string, host: string, ports: number[], children: ChildProcess[]): Promise<void> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, PEER, 'listen', host, ports.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  return waitFor(() => out.includes('ready'), 10_000, () => `listener ${ns} ${host} did not start`);
}

for (const engine of ['cap', 'dumpcap', 'tshark', 'tcpdump'] as const) {
const engineArgs = engine === 'cap' ? [] : ['--engine', engine];
const unavailable = netnsUnavailable ?? (engine !== 'cap' && findEngine(engine) === null ? `${engine} is not installed` : null);
describeLive(`live capture between network namespaces (${engine})`, unavailable, () => {
  let dir = '';
  const children: ChildProcess[] = [];
  let report: AuditResult;
  let code: number | string | null = null;
  let stderr = '';

  beforeAll(async () => {
    tearDown(); // leftovers of an interrupted earlier run with the same pid
    dir = mkdtempSync(join(tmpdir(), 'fa-live-ns-'));
    setUp();
    const inventory = {
      roles: { 'domain-controller': [ADDR.dc], 'global-catalog': [ADDR.dc], 'web-user': [ADDR.user] },
    };
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    await startListener(NS.dc, ADDR.dc, [389, 3268], children);
    await startListener(NS.ams, '0.0.0.0', [443, 3389], children);

    const out = join(dir, 'report.json');
    const capture = spawn(
      'ip',
      ['netns', 'exec', NS.ams, process.execPath, BIN, 'live', '-i', 'any', ...engineArgs, '--filter', 'net 10.99.0.0/16', '--as', 'ams-server', '--inventory', join(dir, 'inventory.json'), '--write', join(dir, 'ams.pcapng'), '--format', 'json', '-o', out, '--duration', '50s'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(capture);
    capture.stderr!.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((r) => capture.on('exit', (c) => r(c)));
    await waitFor(() => stderr.includes('capturing on any') || capture.exitCode !== null, 40_000, () => `capture did not start: ${stderr}`);

    expect(await peerIn(NS.ams, 'tcp', ADDR.dc, '389', '3000')).toBe('answered'); // ams-ldap: observed
    expect(await peerIn(NS.ams, 'tcp', ADDR.dc, '3268', '1500')).toBe('timeout'); // ams-global-catalog: dropped
    expect(await peerIn(NS.user, 'tcp', ADDR.amsUser, '443', '3000')).toBe('answered'); // web-https: observed
    expect(await peerIn(NS.user, 'tcp', ADDR.amsUser, '3389', '3000')).toBe('answered'); // RDP: unexpected
    capture.kill('SIGINT');
    code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 20_000))]);
    report = JSON.parse(readFileSync(out, 'utf8')) as AuditResult;
  }, 90_000);

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    tearDown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('--as ams-server adds the ams namespace’s own addresses', () => {
    expect(code, stderr).toBe(1);
    expect(report.inventory.roles['ams-server']).toEqual(expect.arrayContaining([ADDR.amsDc, ADDR.amsUser]));
    expect(report.inputs[0]).toMatchObject({ format: 'live' });
    // cap opens "any" as Linux cooked (SLL); newer libpcap gives dumpcap/tcpdump SLL2.
    expect(engine === 'cap' ? ['LINUX_SLL'] : ['LINUX_SLL', 'LINUX_SLL2']).toContain(report.inputs[0]!.linkTypes[0]);
    if (engine === 'cap' || engine === 'tcpdump') expect(report.inputs[0]!.drops).toBeNull();
    else expect(report.inputs[0]!.drops).toMatchObject({ ifDrop: 0 });
  });

  it('an expected flow observed, an expected flow failed (dropped by the dc firewall), an unexpected flow', () => {
    const rule = (id: string) => report.rules.find((r) => r.id === id)!;
    expect(rule('ams-ldap')).toMatchObject({ status: 'observed', connections: 1, states: { SF: 1 }, clients: [ADDR.amsDc], servers: [ADDR.dc] });
    expect(rule('ams-global-catalog')).toMatchObject({ status: 'failed', connections: 1, states: { S0: 1 }, outcomes: { answered: 0, refused: 0, unanswered: 1 } });
    expect(rule('web-https')).toMatchObject({ status: 'observed', connections: 1, clients: [ADDR.user] });
    expect(report.unexpected).toEqual([
      expect.objectContaining({ client: ADDR.user, server: ADDR.amsUser, protocol: 'tcp', port: 3389, clientRoles: ['web-user'], serverRoles: ['ams-server'], states: { SF: 1 } }),
    ]);
    expect(report.verdictReasons).toEqual(expect.arrayContaining([expect.stringMatching(/ams-global-catalog failed/), expect.stringMatching(/1 unexpected flow/)]));
  });

  it('the evidence file (Linux cooked) re-audits to the same result', async () => {
    const inv = join(dir, 'inventory-with-ams.json');
    writeFileSync(inv, JSON.stringify({ roles: report.inventory.roles }));
    const again = await runCli(['audit', join(dir, 'ams.pcapng'), '--inventory', inv, '--format', 'json']);
    const a = JSON.parse(again.stdout) as AuditResult;
    expect(a.rules).toEqual(report.rules);
    expect(a.unexpected).toEqual(report.unexpected);
    expect(a.summary).toEqual(report.summary);
  });
});
}
