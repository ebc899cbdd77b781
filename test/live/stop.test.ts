/**
 * Stopping a live capture: SIGTERM to the real bin/ (graceful: report + closed evidence file),
 * --packets, a second Ctrl-C (130 at once), and the errors: bad filter, unknown device, no
 * privileges, cap missing, `interfaces`.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../../src/audit/result.js';
import { loadCap } from '../../src/capture/live_source.js';
import { LiveUnavailableError } from '../../src/errors.js';
import { exitCodeOf } from '../../src/cli/exit_codes.js';
import { runCli } from '../support/run_cli.js';
import { describeLive, liveUnavailable, startInProcess, waitFor } from './support.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'flowaudit.js');
const PEER = join(import.meta.dirname, 'peer.mjs');
const SERVER = '127.0.2.2';
const CLIENT = '127.0.2.1';
const PORT = 21000 + (process.pid % 2000) * 3;

async function peer(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [PEER, ...args], { timeout: 10_000 });
  return stdout.trim();
}

describe('live capture without cap', () => {
  it('says how to enable it, code live-unavailable, exit 2', () => {
    let err: unknown;
    try {
      loadCap('cap-module-that-is-not-installed');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LiveUnavailableError);
    expect((err as LiveUnavailableError).kind).toBe('live-unavailable');
    expect(exitCodeOf(err)).toBe(2);
    expect((err as LiveUnavailableError).message).toContain('apt-get install libpcap-dev && npm rebuild cap');
  });

  it('bad durations and counts are usage errors before anything is opened', async () => {
    expect((await runCli(['live', '-i', 'lo', '--duration', '5x'])).code).toBe(2);
    expect((await runCli(['live', '-i', 'lo', '--packets', '0'])).stderr).toMatch(/--packets: "0" is not a positive whole number/);
  });
});

describeLive('stopping a live capture', liveUnavailable, () => {
  let dir = '';
  let listener: ChildProcess | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fa-live-stop-'));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify({ roles: { 'ams-server': [CLIENT], 'web-user': ['127.0.2.9'] } }));
    listener = spawn(process.execPath, [PEER, 'listen', SERVER, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    listener.stdout!.on('data', (d) => (out += String(d)));
    await waitFor(() => out.includes('ready'), 10_000, () => 'listener did not start');
    if (!existsSync(BIN.replace('bin/flowaudit.js', 'dist/cli/main.js'))) throw new Error('dist/ is not built: run npm test (it builds first)');
  });

  afterAll(() => {
    listener?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM to bin/flowaudit: finishes, writes the report and a complete evidence file', async () => {
    const evidence = join(dir, 'term.pcapng');
    const report = join(dir, 'term.json');
    const child = spawn(process.execPath, [BIN, 'live', '-i', 'lo', '--filter', 'net 127.0.2.0/24', '--write', evidence, '--inventory', join(dir, 'inventory.json'), '--format', 'json', '-o', report], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      await waitFor(() => stderr.includes('capturing on lo') || child.exitCode !== null, 10_000, () => `no start: ${stderr}`);
      expect(await peer('tcp', SERVER, String(PORT), '3000', CLIENT)).toBe('answered');
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 15_000))]);
      expect(code, stderr).toBe(1); // the connection is unexpected for the AMS matrix
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toMatch(/SIGTERM: stopping/);
    expect(stderr).toMatch(/live lo 00:00:\d\d · \d+ packets · .* connections · rules observed \d+\/17 · unexpected \d+/);
    const r = JSON.parse(readFileSync(report, 'utf8')) as AuditResult;
    expect(r.inputs[0]!.live!.stopReason).toBe('SIGTERM');
    expect(r.unexpected).toEqual([expect.objectContaining({ client: CLIENT, server: SERVER, port: PORT, states: { SF: 1 } })]);
    const again = await runCli(['audit', evidence, '--inventory', join(dir, 'inventory.json'), '--format', 'json']);
    const a = JSON.parse(again.stdout) as AuditResult;
    expect(a.unexpected).toEqual(r.unexpected);
    expect(a.rules).toEqual(r.rules);
  });

  it('--packets N stops after exactly N packets, by itself', async () => {
    const out = join(dir, 'n.json');
    const h = startInProcess(['live', '-i', 'lo', '--filter', 'net 127.0.2.0/24', '--packets', '3', '--quiet', '--format', 'json', '-o', out, '--exit-zero', '--duration', '30s']);
    // --quiet prints nothing; give the capture a moment to open, then make traffic until it stops (bounded).
    for (let i = 0; i < 20; i++) {
      const finished = await Promise.race([h.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 200))]);
      if (finished) break;
      await peer('tcp', SERVER, String(PORT), '2000', CLIENT);
    }
    expect(await h.done).toBe(3); // no inventory: inconclusive (exit 3), which --exit-zero does not turn into 0
    const r = JSON.parse(h.files.get(out) as string) as AuditResult;
    expect(r.verdict).toBe('inconclusive');
    expect(r.summary.packets).toBe(3);
    expect(r.inputs[0]!.live!.stopReason).toBe('packets');
    expect(h.stderr()).toMatch(/^flowaudit: wrote the json report to .*n\.json: verdict INCONCLUSIVE/); // --quiet keeps the one -o line
  });

  it('a second Ctrl-C returns 130 at once, with no report, and the evidence file is still readable', async () => {
    const evidence = join(dir, 'abort.pcapng');
    const h = startInProcess(['live', '-i', 'lo', '--filter', 'net 127.0.2.0/24', '--write', evidence, '--duration', '30s']);
    await h.ready();
    expect(await peer('tcp', SERVER, String(PORT), '3000', CLIENT)).toBe('answered');
    h.signal('SIGINT');
    h.signal('SIGINT');
    expect(await h.done).toBe(130);
    expect(h.stdout()).toBe('');
    expect(h.stderr()).toMatch(/interrupted; no report/);
    const again = await runCli(['audit', evidence, '--scope', 'all', '--format', 'json']);
    expect(again.code, again.stderr).toBe(3); // no inventory: inconclusive
    expect((JSON.parse(again.stdout) as AuditResult).inputs[0]!.error).toBeNull();
  });

  it('a bad filter gives libpcap’s message and exit 2; an unknown device points to `interfaces`', async () => {
    const bad = await runCli(['live', '-i', 'lo', '--filter', 'tcp port']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid capture filter "tcp port": .*syntax error/);
    const none = await runCli(['live', '-i', 'nosuchdev0']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/cap \(libpcap\) on nosuchdev0: no such capture device.*flowaudit interfaces/);
  });

  it('without privileges: explains root or CAP_NET_RAW/CAP_NET_ADMIN, exit 2', () => {
    if (process.getuid?.() !== 0) return; // we are the unprivileged case ourselves; covered by the skip reason
    // Still root (files stay readable wherever the clone is), but without CAP_NET_RAW/CAP_NET_ADMIN.
    const r = spawnSync('setpriv', ['--bounding-set', '-net_raw,-net_admin', '--', process.execPath, BIN, 'live', '-i', 'lo', '--duration', '1s'], { encoding: 'utf8', timeout: 20_000 });
    if (r.error) throw r.error;
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities/);
    expect(r.stderr).toContain('setcap cap_net_raw,cap_net_admin=eip');
  });

  it('`interfaces` lists lo with its address and state', async () => {
    const r = await runCli(['interfaces']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^lo\s+up\s+127\.0\.0\.1/m);
    const j = await runCli(['interfaces', '--format', 'json']);
    expect(JSON.parse(j.stdout)).toContainEqual(expect.objectContaining({ name: 'lo', loopback: true, up: true }));
  });
});

describeLive('idle folding during a live run', liveUnavailable, () => {
  it('connections idle past --idle-timeout are folded, and the audit equals the unfolded re-audit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-live-fold-'));
    const listener = spawn(process.execPath, [PEER, 'listen', '127.0.2.12', String(PORT + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      listener.stdout!.on('data', (d) => (out += String(d)));
      await waitFor(() => out.includes('ready'), 10_000, () => 'listener did not start');
      const evidence = join(dir, 'fold.pcapng');
      const report = join(dir, 'fold.json');
      const h = startInProcess(['live', '-i', 'lo', '--filter', 'host 127.0.2.12', '--idle-timeout', '1s', '--write', evidence, '--scope', 'all', '--format', 'json', '-o', report, '--duration', '30s']);
      await h.ready();
      for (let i = 0; i < 3; i++) expect(await peer('tcp', '127.0.2.12', String(PORT + 1), '3000', '127.0.2.11')).toBe('answered');
      expect(await peer('tcp', '127.0.2.12', String(PORT + 2), '3000', '127.0.2.11')).toBe('refused');
      // Folding runs on the once-a-second tick; 3.5 s leaves every connection idle > 1 s at two ticks.
      await new Promise((r) => setTimeout(r, 3500));
      h.signal('SIGINT');
      expect(await h.done).toBe(3); // no inventory: inconclusive
      const live = JSON.parse(h.files.get(report) as string) as AuditResult;
      expect(live.verdict).toBe('inconclusive');
      expect(live.inputs[0]!.live).toMatchObject({ idleTimeoutSec: 1, foldedConnections: 4 });
      expect(live.summary.connections).toBe(4);
      const again = JSON.parse((await runCli(['audit', evidence, '--scope', 'all', '--format', 'json'])).stdout) as AuditResult;
      expect(again.rules).toEqual(live.rules);
      expect(again.unexpected).toEqual(live.unexpected);
      expect(again.summary).toEqual(live.summary);
      expect(live.unexpected.map((g) => [g.port, g.connections, g.states])).toEqual([
        [PORT + 1, 3, { SF: 3 }],
        [PORT + 2, 1, { REJ: 1 }],
      ]);
    } finally {
      listener.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
