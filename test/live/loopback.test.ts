/**
 * Live capture on loopback, in-process through main(): real TCP and UDP traffic from a peer
 * script to listeners, a closed TCP port (REJ) and a silent UDP port; the report's states and
 * verdicts are asserted, and the --write evidence file must re-audit to the same result.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { runCli } from '../support/run_cli.js';
import { describeLive, liveUnavailable, startInProcess, waitFor } from './support.js';

const run = promisify(execFile);
const PEER = join(import.meta.dirname, 'peer.mjs');
const CLIENT = '127.0.1.1';
const WEB = '127.0.1.2';
const DNS = '127.0.1.3';
const base = 20000 + (process.pid % 2000) * 5;
const P = { open: base, other: base + 1, closed: base + 2, udp: base + 3, silent: base + 4 };

async function peer(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [PEER, ...args], { timeout: 10_000 });
  return stdout.trim();
}

function listen(host: string, ports: number[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PEER, 'listen', host, ports.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  return waitFor(() => out.includes('ready') || child.exitCode !== null, 10_000, () => `listener on ${host} did not start`).then(() => {
    if (!out.includes('ready')) throw new Error(`listener on ${host} exited: ${out}`);
    return child;
  });
}

const matrix = {
  name: 'loopback-test',
  version: '1',
  source: 'test/live/loopback.test.ts',
  roles: { client: { description: 'client' }, web: { description: 'web' }, dns: { description: 'dns' } },
  rules: [
    { id: 'web-open', source: 'client', destination: 'web', protocol: 'tcp', ports: [String(P.open)], requirement: 'required', description: 'answered TCP' },
    { id: 'web-closed', source: 'client', destination: 'web', protocol: 'tcp', ports: [String(P.closed)], requirement: 'required', description: 'refused TCP' },
    { id: 'dns-echo', source: 'client', destination: 'dns', protocol: 'udp', ports: [String(P.udp)], requirement: 'required', description: 'answered UDP' },
    { id: 'dns-silent', source: 'client', destination: 'dns', protocol: 'udp', ports: [String(P.silent)], requirement: 'required', description: 'unanswered UDP' },
  ],
};
const inventory = { roles: { client: [CLIENT], web: [WEB], dns: [DNS] } };

describeLive('live capture on loopback', liveUnavailable, () => {
  let dir = '';
  const children: ChildProcess[] = [];
  let live: AuditResult;
  let code = -1;
  let evidence = '';
  let policyArgs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fa-live-lo-'));
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    evidence = join(dir, 'evidence.pcapng');
    policyArgs = ['--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json')];
    children.push(await listen(WEB, [P.open, P.other]), await listen(DNS, [P.udp]));

    const out = join(dir, 'report.json');
    const h = startInProcess(['live', '-i', 'lo', '--filter', 'net 127.0.1.0/24', '--write', evidence, ...policyArgs, '--format', 'json', '--output', out, '--duration', '50s']);
    await h.ready();
    expect(await peer('tcp', WEB, String(P.open), '3000', CLIENT)).toBe('answered');
    expect(await peer('tcp', WEB, String(P.closed), '3000', CLIENT)).toBe('refused');
    expect(await peer('udp', DNS, String(P.udp), '3000', CLIENT)).toBe('answered');
    expect(await peer('udp', DNS, String(P.silent), '500', CLIENT)).toBe('timeout');
    expect(await peer('tcp', WEB, String(P.other), '3000', CLIENT)).toBe('answered');
    h.signal('SIGINT');
    code = await h.done;
    const report = h.files.get(out);
    if (typeof report !== 'string') throw new Error(`no report; exit ${code}; stderr:\n${h.stderr()}`);
    live = JSON.parse(report) as AuditResult;
  });

  afterAll(() => {
    for (const c of children) c.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports answered, refused and unanswered flows with their states', () => {
    expect(code).toBe(1); // failed rules and an unexpected flow
    const rule = (id: string) => live.rules.find((r) => r.id === id)!;
    expect(rule('web-open')).toMatchObject({ status: 'observed', connections: 1, states: { SF: 1 }, clients: [CLIENT], servers: [WEB] });
    expect(rule('web-closed')).toMatchObject({ status: 'failed', connections: 1, states: { REJ: 1 }, outcomes: { answered: 0, refused: 1, unanswered: 0 } });
    expect(rule('dns-echo')).toMatchObject({ status: 'observed', connections: 1, states: { SF: 1 } });
    expect(rule('dns-silent')).toMatchObject({ status: 'failed', connections: 1, states: { S0: 1 }, outcomes: { unanswered: 1 } });
    expect(live.unexpected).toHaveLength(1);
    expect(live.unexpected[0]).toMatchObject({ client: CLIENT, server: WEB, protocol: 'tcp', port: P.other, connections: 1, states: { SF: 1 } });
    expect(live.summary.controlFlows).toBe(1); // the ICMP port unreachable for the silent UDP port
    expect(live.verdict).toBe('fail');
  });

  it('describes the live input: interface, link type, clock, drops unavailable, evidence', () => {
    expect(live.inputs).toHaveLength(1);
    const i = live.inputs[0]!;
    expect(i).toMatchObject({ path: 'live:lo', format: 'live', linkTypes: ['ETHERNET'], drops: null, error: null });
    expect(i.live).toMatchObject({ interface: 'lo', filter: 'net 127.0.1.0/24', dropsAvailable: false, stopReason: 'SIGINT', clock: { resolution: 'ns' } });
    expect(i.live!.clock.source).toMatch(/hrtime/);
    expect(i.live!.evidence).toMatchObject({ path: evidence, packets: i.packets });
    expect(i.live!.evidence!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(i.packets).toBe(live.summary.packets);
  });

  it('carries the evidence block: the host it ran on and the command line', () => {
    expect(live.evidence?.host).toBe(hostname());
    expect(live.evidence?.argv).toContain('live');
    expect(live.evidence?.resultSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the evidence file re-audits to the same rules, unexpected flows and summary', async () => {
    expect(existsSync(evidence)).toBe(true);
    const again = await runCli(['audit', evidence, ...policyArgs, '--format', 'json']);
    expect(again.code).toBe(1);
    const file = JSON.parse(again.stdout) as AuditResult;
    expect(file.rules).toEqual(live.rules);
    expect(file.unexpected).toEqual(live.unexpected);
    expect(file.summary).toEqual(live.summary);
    expect(file.verdictReasons).toEqual(live.verdictReasons);
    expect(file.inputs[0]).toMatchObject({ format: 'pcapng', linkTypes: ['ETHERNET'], packets: live.summary.packets, sha256: live.inputs[0]!.live!.evidence!.sha256 });
  });

  it('tshark opens the evidence file: interface name, filter, application, every packet', async () => {
    const tshark = await run('tshark', ['-r', evidence, '-T', 'fields', '-e', 'frame.interface_name'], { timeout: 30_000 }).catch((e: Error) => e);
    if (tshark instanceof Error) throw new Error(`tshark failed on the evidence file: ${tshark.message}`);
    const names = tshark.stdout.trim().split('\n');
    expect(names).toHaveLength(live.summary.packets);
    expect(new Set(names)).toEqual(new Set(['lo']));
    const info = await run('capinfos', ['-F', '-k', '-a', '-e', '-I', evidence], { timeout: 30_000 }).catch((e: Error) => e);
    if (info instanceof Error) throw new Error(`capinfos failed: ${info.message}`);
    expect(info.stdout).toMatch(/Capture application:\s+flowaudit \d+\.\d+\.\d+/);
    expect(info.stdout).toMatch(/net 127\.0\.1\.0\/24/);
    expect(readFileSync(evidence).subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
  });
});
