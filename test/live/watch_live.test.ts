/**
 * `flowaudit watch -i lo` as a real process (the cap engine on loopback; skipped with the reason
 * unless live capture works here, failing with FLOWAUDIT_REQUIRE_LIVE=1): a TCP connection to a
 * loopback listener on a port the matrix does not document gives an unexpected-flow event within
 * 3 s of the connection (also through tcpdump, dumpcap and tshark when installed); a required
 * flow is observed in the report; intervals of 2 s rotate the spool and close one report per interval; SIGTERM writes the final interval's report, exits 0, and every
 * report passes `flowaudit verify` (the rows kept beside it are the connections seen); SIGHUP
 * while capturing reloads the policy (the flow it now allows is no longer unexpected).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { action, fa, startWatch } from '../watch/watch_process.js';
import { findEngine, type EngineName } from '../../src/capture/engine_capture.js';
import { describeLive, liveUnavailable, waitFor } from './support.js';

const run = promisify(execFile);
const PEER = join(import.meta.dirname, 'peer.mjs');
const CLIENT = '127.0.5.1'; // 127.0.5.0/24: no other test uses it, so the capture sees only this file's traffic
const WEB = '127.0.5.2';
const base = 24000 + (process.pid % 2000) * 5; // two ports for the cap tests, one per program engine
const P = { documented: base, undocumented: base + 1 };

async function peer(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [PEER, ...args], { timeout: 10_000 });
  return stdout.trim();
}

async function listen(host: string, ports: number[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [PEER, 'listen', host, ports.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += String(d)));
  await waitFor(() => out.includes('ready') || child.exitCode !== null, 10_000, () => `listener on ${host} did not start`);
  if (!out.includes('ready')) throw new Error(`listener on ${host} exited: ${out}`);
  return child;
}

const matrix = {
  name: 'watch-lo',
  version: '1',
  source: 'test/live/watch_live.test.ts',
  roles: { client: { description: 'client' }, web: { description: 'web' } },
  rules: [{ id: 'web-app', source: 'client', destination: 'web', protocol: 'tcp', ports: [String(P.documented)], requirement: 'required', description: 'the documented flow' }],
};
const inventory = { roles: { client: [CLIENT], web: [WEB] } };

describeLive('flowaudit watch -i lo (cap engine)', liveUnavailable, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-watch-live-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('unexpected flow within 3 s, a report per interval, SIGTERM exits 0 and every report verifies', async () => {
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    const reports = join(dir, 'reports');
    const events = join(dir, 'events.ndjson');
    children.push(await listen(WEB, [P.documented, P.undocumented]));
    const w = startWatch(
      ['-i', 'lo', '--engine', 'cap', '--filter', 'net 127.0.5.0/24', '--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json'), '--report-dir', reports, '--report-every', '2s'],
      events,
      {},
      null, // flowaudit's own poll (500 ms): the 3 s are what a user gets
    );
    children.push(w.child);
    try {
      await waitFor(() => w.stderr().includes('capturing on lo'), 10_000, () => `watch did not start capturing: ${w.stderr()}`);
      expect(await peer('tcp', WEB, String(P.documented), '3000', CLIENT)).toBe('answered');
      const t0 = Date.now();
      expect(await peer('tcp', WEB, String(P.undocumented), '3000', CLIENT)).toBe('answered');
      const e = await w.waitFor((x) => action(x) === 'unexpected-flow', 3000);
      expect(Date.now() - t0).toBeLessThan(3000);
      expect((e.destination as { port: number }).port).toBe(P.undocumented);
      expect(String((e.network as { community_id: string }).community_id)).toMatch(/^1:/);
      // The next interval (2 s, aligned to the epoch): one more connection there closes the first.
      await new Promise((r) => setTimeout(r, 2200));
      expect(await peer('tcp', WEB, String(P.documented), '3000', CLIENT)).toBe('answered');
      await waitFor(() => /interval .* rows, verdict/.test(w.stderr()), 5000, () => `no interval report: ${w.stderr()}`);
      expect(await w.stop('SIGTERM')).toBe(0);
    } finally {
      w.child.kill('SIGKILL');
    }
    expect(w.events().filter((x) => action(x) === 'unexpected-flow')).toHaveLength(1);
    const stopped = w.events().find((x) => action(x) === 'watch-stopped');
    expect(stopped).toBeDefined();
    expect(fa(stopped!).policy).toBeDefined();
    const jsons = readdirSync(reports).filter((n) => /^watch-.*Z\.json$/.test(n));
    expect(jsons.length).toBeGreaterThanOrEqual(2);
    let rows = 0;
    for (const r of jsons) {
      const kept = join(reports, r.replace(/\.json$/, '.flows.jsonl'));
      expect(existsSync(kept)).toBe(true);
      rows += readFileSync(kept, 'utf8').split('\n').filter(Boolean).length;
      const v = await runCli(['verify', join(reports, r)]);
      expect(v.stdout + v.stderr).toContain('verified');
      expect(v.code).toBe(0);
    }
    expect(rows).toBe(3); // three connections, each written once
    expect(w.stderr()).toMatch(/watch: lo: \d+ packets captured, 3 connections spooled\n/);
    const last = JSON.parse(readFileSync(join(reports, jsons.sort().at(-1)!), 'utf8')) as { rules: { id: string; status: string }[] };
    expect(last.rules.find((r) => r.id === 'web-app')?.status).toBe('observed');
  }, 40_000);
  it('SIGHUP while capturing reloads the policy (event with the new hashes); capture and spool go on', async () => {
    const sub = join(dir, 'hup');
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    if (children.length === 0) children.push(await listen(WEB, [P.documented, P.undocumented]));
    const w = startWatch(
      ['-i', 'lo', '--engine', 'cap', '--filter', `net 127.0.5.0/24 and port ${P.undocumented}`, '--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json'), '--report-dir', join(sub, 'reports')],
      join(sub, 'events.ndjson'),
    );
    children.push(w.child);
    try {
      await waitFor(() => w.stderr().includes('capturing on lo'), 10_000, () => `watch did not start capturing: ${w.stderr()}`);
      // The undocumented port becomes documented: after the reload, its connection is no longer unexpected.
      const allowed = { ...matrix, rules: [...matrix.rules, { ...matrix.rules[0]!, id: 'web-other', ports: [String(P.undocumented)] }] };
      writeFileSync(join(dir, 'matrix.json'), JSON.stringify(allowed));
      w.child.kill('SIGHUP');
      const reloaded = await w.waitFor((x) => action(x) === 'policy-reloaded', 5000);
      const sha = (p: unknown): string => (p as { matrix: { sha256: string } }).matrix.sha256;
      expect(sha(fa(reloaded).previous_policy)).toMatch(/^[0-9a-f]{64}$/);
      expect(sha(fa(reloaded).policy)).not.toBe(sha(fa(reloaded).previous_policy));
      expect(await peer('tcp', WEB, String(P.undocumented), '3000', CLIENT)).toBe('answered');
      await waitFor(() => existsSync(join(sub, 'reports', '.spool', 'flows.jsonl')) && readFileSync(join(sub, 'reports', '.spool', 'flows.jsonl'), 'utf8').includes(`"serverPort":${P.undocumented}`), 3000, () => 'the connection was not spooled after the reload');
      expect(await w.stop('SIGTERM')).toBe(0);
    } finally {
      w.child.kill('SIGKILL');
      writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
    }
    expect(w.events().filter((x) => action(x) === 'unexpected-flow')).toHaveLength(0);
  }, 40_000);

  it('a connection still open at an interval end is written then, marked cut, and its rest later as a new row', async () => {
    const sub = join(dir, 'cut');
    const reports = join(sub, 'reports');
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    if (children.length === 0) children.push(await listen(WEB, [P.documented, P.undocumented]));
    const w = startWatch(
      ['-i', 'lo', '--engine', 'cap', '--filter', `net 127.0.5.0/24 and port ${P.documented}`, '--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json'), '--report-dir', reports, '--report-every', '2s'],
      join(sub, 'events.ndjson'),
    );
    children.push(w.child);
    const spooled = (): string[] => {
      const d = join(reports, '.spool');
      return existsSync(d) ? readdirSync(d).flatMap((n) => readFileSync(join(d, n), 'utf8').split('\n').filter(Boolean)) : [];
    };
    try {
      await waitFor(() => w.stderr().includes('capturing on lo'), 10_000, () => `watch did not start capturing: ${w.stderr()}`);
      // The server says hello and closes its side; the client keeps its side open (half-closed: not ended).
      const sock = connect({ host: WEB, port: P.documented, localAddress: CLIENT, allowHalfOpen: true });
      sock.on('data', () => {});
      await new Promise<void>((r, j) => sock.once('end', () => r()).once('error', j));
      await waitFor(() => spooled().some((l) => l.includes('"cut":"interval-end"')), 4000, () => `no cut row: ${spooled().join('\n')}`);
      sock.end();
      await waitFor(() => spooled().length >= 2, 3000, () => `no row for the rest: ${spooled().join('\n')}`);
      expect(await w.stop('SIGTERM')).toBe(0);
    } finally {
      w.child.kill('SIGKILL');
    }
    const rows = spooled().map((l) => JSON.parse(l) as { cut?: string; directionBy: string; serverPort: number; state: string });
    expect(rows).toHaveLength(2);
    const first = rows.find((r) => r.directionBy === 'syn');
    const rest = rows.find((r) => r.directionBy !== 'syn');
    expect(first).toMatchObject({ cut: 'interval-end', serverPort: P.documented });
    // The client's FIN and the server's ACK: a new row, oriented by the server port (its SYN was in the first part).
    expect(rest).toMatchObject({ serverPort: P.documented, directionBy: 'server-port' });
    expect(rest).not.toHaveProperty('cut'); // seen midstream, its FIN ends it: written then, not at the next interval's end
    for (const r of readdirSync(reports).filter((n) => /^watch-.*Z\.json$/.test(n))) {
      const v = await runCli(['verify', join(reports, r)]);
      expect(v.code).toBe(0);
    }
  }, 40_000);
});

const root = process.getuid?.() === 0;
for (const [k, engine] of (['tcpdump', 'dumpcap', 'tshark'] as EngineName[]).entries()) {
  const port = base + 2 + k;
  const reason = findEngine(engine) === null ? `${engine} is not installed` : root ? null : 'capturing with a program needs root here';
  describeLive(`flowaudit watch -i lo --engine ${engine}`, reason, () => {
    const dir = mkdtempSync(join(tmpdir(), `fa-watch-${engine}-`));
    const children: ChildProcess[] = [];
    beforeAll(async () => {
      writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
      writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
      children.push(await listen(WEB, [port]));
    });
    afterAll(() => {
      for (const c of children) c.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('an unexpected connection gives its event within 3 s; SIGTERM exits 0 and the report verifies', async () => {
      writeFileSync(join(dir, 'matrix.json'), JSON.stringify(matrix));
      writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
      const reports = join(dir, 'reports');
      const w = startWatch(['-i', 'lo', '--engine', engine, '--filter', `net 127.0.5.0/24 and port ${port}`, '--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json'), '--report-dir', reports], join(dir, 'events.ndjson'), {}, null);
      children.push(w.child);
      try {
        await waitFor(() => w.stderr().includes('capturing on lo'), 15_000, () => `watch did not start capturing: ${w.stderr()}`);
        const t0 = Date.now();
        expect(await peer('tcp', WEB, String(port), '3000', CLIENT)).toBe('answered');
        await w.waitFor((x) => action(x) === 'unexpected-flow', 3000);
        expect(Date.now() - t0).toBeLessThan(3000);
        expect(await w.stop('SIGTERM')).toBe(0);
      } finally {
        w.child.kill('SIGKILL');
      }
      const jsons = readdirSync(reports).filter((n) => /^watch-.*Z\.json$/.test(n));
      expect(jsons).toHaveLength(1);
      const v = await runCli(['verify', join(reports, jsons[0]!)]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
    }, 40_000);

    // One engine is enough for this (a program engine whose process the test can end by pid).
    if (engine === 'tcpdump')
      it('the capture program ending by itself ends watch: the final report is written, exit 2 with the reason', async () => {
      const sub = join(dir, 'ended');
      const w = startWatch(['-i', 'lo', '--engine', engine, '--filter', `net 127.0.5.0/24 and port ${port}`, '--matrix', join(dir, 'matrix.json'), '--inventory', join(dir, 'inventory.json'), '--report-dir', join(sub, 'reports')], join(sub, 'events.ndjson'));
      children.push(w.child);
      let code: number | null = null;
      try {
        await waitFor(() => w.stderr().includes('capturing on lo'), 15_000, () => `watch did not start capturing: ${w.stderr()}`);
        expect(await peer('tcp', WEB, String(port), '3000', CLIENT)).toBe('answered');
        await w.waitFor((x) => action(x) === 'unexpected-flow', 3000);
        // The tcpdump that watch started (its child, by pid) exits: watch must not go on silently.
        const pid = spawnSync('pgrep', ['-P', String(w.child.pid), 'tcpdump'], { encoding: 'utf8' }).stdout.trim();
        expect(pid).toMatch(/^\d+$/);
        process.kill(Number(pid), 'SIGTERM');
        code = await new Promise<number | null>((r) => (w.child.exitCode !== null ? r(w.child.exitCode) : w.child.on('close', r)));
      } finally {
        w.child.kill('SIGKILL');
      }
      expect(code).toBe(2);
      expect(w.stderr()).toContain('watch: lo: the capture ended by itself');
      const jsons = readdirSync(join(sub, 'reports')).filter((n) => /^watch-.*Z\.json$/.test(n));
      expect(jsons).toHaveLength(1);
      expect((await runCli(['verify', join(sub, 'reports', jsons[0]!)])).code).toBe(0);
    }, 40_000);
  });
}
