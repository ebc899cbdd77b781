/**
 * Live capture through real capture programs (dumpcap, tshark, tcpdump) on loopback, in-process
 * through main(): the test makes real traffic (an answered and a refused TCP connection, an
 * answered UDP exchange), stops the capture with SIGINT mid-run, and checks the audit, the
 * program's own timestamps (not the host clock), dumpcap's/tshark's ISB drop counts, and that the
 * --write evidence file is the program's stream byte for byte (sha256 equal) and re-audits the same.
 * A missing engine is a clear message naming what to install.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { findEngine, parseEngineInterfaces, type EngineName } from '../../src/capture/engine_capture.js';
import { runCli } from '../support/run_cli.js';
import { describeLive, startInProcess, waitFor } from './support.js';

const run = promisify(execFile);
const PEER = join(import.meta.dirname, 'peer.mjs');
const CLIENT = '127.0.9.1';
const WEB = '127.0.9.2';
const base = 24000 + (process.pid % 1000) * 4;
const P = { open: base, closed: base + 1, udp: base + 2 };

async function peer(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [PEER, ...args], { timeout: 10_000 });
  return stdout.trim();
}

const matrix = {
  name: 'engines-test',
  version: '1',
  source: 'test/live/engines.test.ts',
  roles: { client: { description: 'client' }, web: { description: 'web' } },
  rules: [
    { id: 'web-open', source: 'client', destination: 'web', protocol: 'tcp', ports: [String(P.open)], requirement: 'required', description: 'answered TCP' },
    { id: 'web-closed', source: 'client', destination: 'web', protocol: 'tcp', ports: [String(P.closed)], requirement: 'required', description: 'refused TCP' },
    { id: 'web-udp', source: 'client', destination: 'web', protocol: 'udp', ports: [String(P.udp)], requirement: 'required', description: 'answered UDP' },
  ],
};
const inventory = { roles: { client: [CLIENT], web: [WEB] } };

const root = process.getuid?.() === 0;
const reason = (e: EngineName): string | null => (findEngine(e) === null ? `${e} is not installed` : root ? null : 'capturing with a program needs root here');

for (const engine of ['dumpcap', 'tshark', 'tcpdump'] as const) {
  describeLive(`live --engine ${engine} on loopback`, reason(engine), () => {
    let dir = '';
    let listener: ChildProcess | null = null;
    let live: AuditResult;
    let code = -1;
    let evidence = '';
    let policyArgs: string[] = [];
    let before = 0;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `fa-live-${engine}-`));
      writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
      writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
      evidence = join(dir, 'evidence.pcapng');
      policyArgs = ['--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json')];
      const l = spawn(process.execPath, [PEER, 'listen', WEB, `${P.open},${P.udp}`], { stdio: ['ignore', 'pipe', 'inherit'] });
      listener = l;
      let out = '';
      l.stdout!.on('data', (d) => (out += String(d)));
      await waitFor(() => out.includes('ready'), 10_000, () => 'listener did not start');
      const report = join(dir, 'report.json');
      const h = startInProcess(['live', '-i', 'lo', '--engine', engine, '--filter', 'net 127.0.9.0/24', '--write', evidence, ...policyArgs, '--format', 'json', '--output', report, '--duration', '50s']);
      await h.ready();
      await new Promise((r) => setTimeout(r, 200));
      before = Date.now();
      expect(await peer('tcp', WEB, String(P.open), '3000', CLIENT)).toBe('answered');
      expect(await peer('tcp', WEB, String(P.closed), '3000', CLIENT)).toBe('refused');
      expect(await peer('udp', WEB, String(P.udp), '3000', CLIENT)).toBe('answered');
      await new Promise((r) => setTimeout(r, 300));
      h.signal('SIGINT'); // mid-capture: --duration is 50 s
      code = await h.done;
      const text = h.files.get(report);
      if (typeof text !== 'string') throw new Error(`no report; exit ${code}; stderr:\n${h.stderr()}`);
      live = JSON.parse(text) as AuditResult;
    }, 60_000);

    afterAll(() => {
      listener?.kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('audits the real traffic: answered and refused TCP, answered UDP; stopped by SIGINT', () => {
      const rule = (id: string) => live.rules.find((r) => r.id === id)!;
      expect(rule('web-open')).toMatchObject({ status: 'observed', connections: 1, states: { SF: 1 } });
      expect(rule('web-closed')).toMatchObject({ status: 'failed', connections: 1, states: { REJ: 1 } });
      expect(rule('web-udp')).toMatchObject({ status: 'observed', connections: 1 });
      expect(live.unexpected).toHaveLength(0);
      expect(code).toBe(1);
      const i = live.inputs[0]!;
      expect(i).toMatchObject({ path: 'live:lo', format: 'live', error: null });
      expect(i.live).toMatchObject({ interface: 'lo', engine, stopReason: 'SIGINT', filter: 'net 127.0.9.0/24' });
    });

    it("takes packet times from the program's stream", () => {
      const i = live.inputs[0]!;
      expect(i.live!.clock.source).toContain(`${engine}'s packet timestamps`);
      const first = Date.parse(i.firstSeen!);
      expect(first).toBeGreaterThanOrEqual(before - 5);
      expect(first).toBeLessThan(before + 10_000);
    });

    it(engine === 'tcpdump' ? 'reports drops as unavailable (pcap has no statistics block)' : "reads the drop counts from the program's interface statistics block (ISB)", () => {
      const i = live.inputs[0]!;
      if (engine === 'tcpdump') {
        expect(i.drops).toBeNull();
        expect(i.live!.dropsAvailable).toBe(false);
      } else {
        expect(i.live!.dropsAvailable).toBe(true);
        expect(i.drops).not.toBeNull();
        expect(i.drops!.ifDrop).toBe(0); // nothing dropped on an idle loopback
      }
    });

    it(engine === 'tcpdump' ? '--write is pcapng although tcpdump writes pcap: its sha256 is the recorded one, and it re-audits the same' : '--write keeps the pcapng stream byte for byte: its sha256 is the recorded one, and it re-audits the same', async () => {
      const bytes = readFileSync(evidence);
      expect(bytes.readUInt32LE(0)).toBe(0x0a0d0d0a); // pcapng Section Header Block, whatever the engine
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(live.inputs[0]!.live!.evidence).toMatchObject({ path: evidence, sha256: sha, bytes: bytes.length, packets: live.summary.packets });
      const again = await runCli(['audit', evidence, ...policyArgs, '--format', 'json']);
      const file = JSON.parse(again.stdout) as AuditResult;
      expect(file.rules).toEqual(live.rules);
      expect(file.summary).toEqual(live.summary);
    });
  });
}

describe('engine selection', () => {
  it('a missing engine names what to install on Debian, macOS and Windows', async () => {
    const r = await runCli(['live', '-i', 'lo', '--engine', 'dumpcap'], { PATH: '/nonexistent-for-test' }).catch((e: Error) => e);
    if (r instanceof Error) throw r;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dumpcap is not installed.*Debian\/Ubuntu: apt-get install wireshark-common.*macOS.*Windows: install Wireshark with Npcap/);
  });

  it('an unknown engine is a usage error', async () => {
    const r = await runCli(['live', '-i', 'lo', '--engine', 'windump']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown engine "windump"');
  });

  it.each([
    ['dumpcap -D', '1. eth0\n2. any\n3. lo (Loopback)\n4. bluetooth-monitor\n', ['eth0', 'any', 'lo', 'bluetooth-monitor'], 'Loopback'],
    ['tcpdump -D', '1.eth0 [Up, Running, Connected]\n2.lo [Up, Running, Loopback]\n', ['eth0', 'lo'], 'Up, Running, Loopback'],
  ])('parses %s', (_n, text, names, desc) => {
    const d = parseEngineInterfaces(text);
    expect(d.map((x) => x.name)).toEqual(names);
    expect(d.find((x) => x.name === 'lo')!.description).toBe(desc);
  });
});
