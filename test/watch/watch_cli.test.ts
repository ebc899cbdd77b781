/**
 * `flowaudit watch` as a real process over a directory where a Zeek-like writer appends conn.log
 * rows and rotates the file the Zeek way (renamed with a timestamp, a new conn.log with a fresh
 * header): the first unexpected flow within 3 s of its row, the agents' rule quiet and back, rolling
 * reports that `flowaudit verify` passes (signed when ssh-keygen is here), SIGHUP reloading the
 * inventory (and a bad one kept out), SIGTERM writing the final interval's report and exiting 0.
 * Log times are compressed (hours of log written in a second); every wait is bounded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { CONN_HEADER, T0, connRow, minutes } from './conn_rows.js';
import { action, fa, startWatch } from './watch_process.js';

const haveSshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

function setup(): { dir: string; logs: string; reports: string; events: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fa-watch-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  return { dir, logs, reports: join(dir, 'reports'), events: join(dir, 'events.ndjson') };
}


describe('flowaudit watch (a real process over a rotating conn.log)', () => {
  it('first unexpected within 3 s, quiet and back across a Zeek rotation, two rolling reports that verify, SIGTERM exits 0', async () => {
    const { dir, logs, reports, events } = setup();
    const conn = join(logs, 'conn.log');
    writeFileSync(conn, `${[...CONN_HEADER, ...minutes(0, 40)].join('\n')}\n`);
    const args = [logs, '--inventory', resolve('fixtures/ams-lab.inventory.json'), '--report-dir', reports, '--report-every', '1h', '-f', 'json,html'];
    let key: string | null = null;
    if (haveSshKeygen) {
      key = join(dir, 'key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'auditor@example', '-f', key]);
      args.push('--sign-key', key);
    }
    const w = startWatch(args, events, {}, null); // the default poll (500 ms)
    try {
      await w.waitFor((e) => action(e) === 'watch-started');
      // An unexpected flow appended: its event within 3 s.
      const t = Date.now();
      appendFileSync(conn, `${connRow(T0 + 40 * 60, '10.0.3.7', '10.0.0.2', 3389)}\n`);
      const first = await w.waitFor((e) => action(e) === 'unexpected-flow', 3000);
      expect(Date.now() - t).toBeLessThan(3000);
      expect(fa(first)).toMatchObject({ client: 'web-user', server: '10.0.0.2', port: 3389 });
      // The agents stop (LDAP goes on) for 20 minutes; Zeek rotates at 20:00; the agents come back.
      appendFileSync(conn, `${minutes(40, 60, false).join('\n')}\n`);
      renameSync(conn, join(logs, 'conn.2026-12-07-19-00-00.log'));
      writeFileSync(conn, `${[...CONN_HEADER, ...minutes(60, 90)].join('\n')}\n`);
      const quiet = await w.waitFor((e) => action(e) === 'rule-quiet' && fa(e).rule_id === 'agent-ams-api');
      expect(quiet['@timestamp']).toBe('2026-12-07T19:44:00.000000Z');
      const back = await w.waitFor((e) => action(e) === 'rule-back' && fa(e).rule_id === 'agent-ams-api');
      expect(back['@timestamp']).toBe('2026-12-07T20:00:00.000000Z');
      await w.waitFor(() => readdirSync(reports).includes('watch-20261207T190000Z.json'));
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
    expect(w.stderr()).toMatch(/closed early: stopped/);
    expect(w.events().at(-1)!.event).toMatchObject({ action: 'watch-stopped' });
    const files = readdirSync(reports).sort();
    expect(files).toEqual(expect.arrayContaining(['watch-20261207T190000Z.json', 'watch-20261207T190000Z.html', 'watch-20261207T190000Z.conn.log', 'watch-20261207T200000Z.json', 'watch-20261207T200000Z.conn.log']));
    // Every row read once: 40 + 1 + 20 in the first hour (agents + LDAP), 60 in the second.
    const rows = (f: string): number => readFileSync(join(reports, f), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length;
    expect(rows('watch-20261207T190000Z.conn.log')).toBe(40 * 2 + 1 + 20);
    expect(rows('watch-20261207T200000Z.conn.log')).toBe(30 * 2);
    const extra = key ? ['--allowed-signers', allowedSigners(dir, key)] : [];
    for (const r of ['watch-20261207T190000Z.json', 'watch-20261207T200000Z.json', 'watch-20261207T190000Z.html']) {
      const v = await runCli(['verify', join(reports, r), ...extra]);
      expect(v.stdout).toMatch(/re-run\s+ok/);
      if (key) expect(v.stdout).toMatch(/signature\s+ok: .*good signature by auditor@example/);
      expect(v.code).toBe(0);
    }
  }, 60_000);

  it('SIGHUP reloads the inventory (new hash in the next events); a bad inventory is kept out and watch goes on', async () => {
    const { dir, logs, events } = setup();
    const conn = join(logs, 'conn.log');
    const inv = join(dir, 'inventory.json');
    const lab = JSON.parse(readFileSync('fixtures/ams-lab.inventory.json', 'utf8')) as { roles: Record<string, string[]> };
    writeFileSync(inv, JSON.stringify(lab));
    writeFileSync(conn, `${[...CONN_HEADER, connRow(T0, '10.0.3.7', '10.0.0.2', 3389)].join('\n')}\n`);
    const w = startWatch([logs, '--inventory', inv], events);
    try {
      const first = await w.waitFor((e) => action(e) === 'unexpected-flow');
      const before = (fa(first).policy as { inventory: { sha256: string } }).inventory.sha256;
      lab.roles['web-user'] = [...(lab.roles['web-user'] ?? []), '10.0.9.0/24'];
      writeFileSync(inv, JSON.stringify(lab));
      w.child.kill('SIGHUP');
      const reloaded = await w.waitFor((e) => action(e) === 'policy-reloaded');
      const after = (fa(reloaded).policy as { inventory: { sha256: string } }).inventory.sha256;
      expect(after).not.toBe(before);
      expect((fa(reloaded).previous_policy as { inventory: { sha256: string } }).inventory.sha256).toBe(before);
      // 10.0.9.5 is a web-user only under the new inventory: its new group is named by the role.
      appendFileSync(conn, `${connRow(T0 + 60, '10.0.9.5', '10.0.0.3', 3389)}\n`);
      const next = await w.waitFor((e) => action(e) === 'unexpected-flow' && fa(e).server === '10.0.0.3');
      expect(fa(next)).toMatchObject({ client: 'web-user', group_key: 'web-user|10.0.0.3|tcp|3389' });
      expect((fa(next).policy as { inventory: { sha256: string } }).inventory.sha256).toBe(after);
      // A broken inventory: an error event, the reloaded policy stays, watch goes on.
      writeFileSync(inv, '{ "roles": ');
      w.child.kill('SIGHUP');
      const bad = await w.waitFor((e) => action(e) === 'policy-error');
      expect((bad.event as { reason: string; kind?: string }).reason).toMatch(/previous matrix and inventory stay in force/);
      appendFileSync(conn, `${connRow(T0 + 120, '10.0.9.6', '10.0.0.2', 445)}\n`);
      const still = await w.waitFor((e) => action(e) === 'unexpected-flow' && fa(e).port === 445);
      expect(fa(still)).toMatchObject({ client: 'web-user' });
      expect((fa(still).policy as { inventory: { sha256: string } }).inventory.sha256).toBe(after);
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);
});

function allowedSigners(dir: string, key: string): string {
  const [type, blob] = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/);
  const allowed = join(dir, 'allowed_signers');
  writeFileSync(allowed, `auditor@example ${type} ${blob}\n`);
  return allowed;
}

describe('flowaudit watch restarted (checkpoint in --report-dir)', () => {
  it('stopped mid-interval and started again: every row kept once, the interval report rewritten and verified', async () => {
    const { logs, reports, events } = setup();
    const conn = join(logs, 'conn.log');
    writeFileSync(conn, `${[...CONN_HEADER, ...minutes(0, 20)].join('\n')}\n`);
    const args = [logs, '--inventory', resolve('fixtures/ams-lab.inventory.json'), '--report-dir', reports];
    const w = startWatch(args, events);
    try {
      await w.waitFor((e) => action(e) === 'watch-started');
      await w.waitFor(() => existsSync(join(reports, '.watch-checkpoint.json')) && readFileSync(join(reports, '.watch-checkpoint.json'), 'utf8').includes('conn.log'));
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
    appendFileSync(conn, `${minutes(20, 30).join('\n')}\n`);
    const again = startWatch([...args, '--once'], events);
    expect(await new Promise((r) => again.child.on('close', r))).toBe(0);
    const kept = readFileSync(join(reports, 'watch-20261207T190000Z.conn.log'), 'utf8').split('\n');
    expect(kept.filter((l) => l && !l.startsWith('#'))).toHaveLength(30 * 2);
    const v = await runCli(['verify', join(reports, 'watch-20261207T190000Z.json')]);
    expect(v.stdout).toMatch(/re-run\s+ok/);
    expect(v.code).toBe(0);
  }, 60_000);
});
