/**
 * The watch state file across real restarts of `flowaudit watch` processes: a watch stopped by
 * SIGTERM or killed (SIGKILL, a crash) and started again alerts only on the groups it had not seen;
 * a rule whose check-in interval was learned is called quiet without a new learning period; a state
 * made under another inventory is not used (kept as FILE.old); an unreadable one is kept as FILE.bad
 * and watch starts fresh (exit 0, one line). Each has its control: the same restart without the
 * state re-alerts / stays blind, so every test can fail. Log times are compressed; waits are bounded.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONN_HEADER, T0, connRow, minutes } from './conn_rows.js';
import { action, fa, startWatch } from './watch_process.js';

const WEB = '10.0.3.7';
const INVENTORY = resolve('fixtures/ams-lab.inventory.json');
const RDP_GROUP = 'web-user|10.0.0.2|tcp|3389';

type Ev = Record<string, unknown>;


function site(rows: string[]): { dir: string; logs: string; conn: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fa-watch-state-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const conn = join(logs, 'conn.log');
  writeFileSync(conn, `${[...CONN_HEADER, ...rows].join('\n')}\n`);
  return { dir, logs, conn };
}

/** `flowaudit watch PATH --once ARGS` as a process: exit code, events (stdout NDJSON), stderr. */
function once(path: string, args: string[]): Promise<{ code: number; events: Ev[]; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve('bin/flowaudit.js'), 'watch', path, '--once', '--inventory', INVENTORY, ...args],
      { env: { ...process.env, SOURCE_DATE_EPOCH: '1765134000' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stderr, events: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev) });
      },
    );
  });
}

const alerted = (events: Ev[]): unknown[] => events.filter((e) => action(e) === 'unexpected-flow').map((e) => fa(e).port);
const started = (events: Ev[]): Ev => events.find((e) => action(e) === 'watch-started')!;
const stateOf = (events: Ev[]): Record<string, unknown> => fa(started(events)).state as Record<string, unknown>;

/** The control: the same restart from a copy of the checkpoint, with no state (a fresh --state file). */
async function withoutState(dir: string, logs: string, checkpoint: string): Promise<Ev[]> {
  const ctl = join(dir, 'control');
  mkdirSync(ctl, { recursive: true });
  copyFileSync(checkpoint, join(ctl, 'cp.json'));
  const r = await once(logs, ['--checkpoint', join(ctl, 'cp.json')]);
  expect(r.code, r.stderr).toBe(0);
  expect(stateOf(r.events)).toMatchObject({ status: 'new', file: join(ctl, 'cp.state.json') });
  return r.events;
}

describe('flowaudit watch: the state file across restarts (real processes)', () => {
  it('stopped by SIGTERM, rows appended, restarted: only the new group alerts (without the state both would)', async () => {
    const { dir, logs, conn } = site([...minutes(0, 10), connRow(T0 + 300, WEB, '10.0.0.2', 3389)]);
    const reports = join(dir, 'reports');
    const w = startWatch([logs, '--inventory', INVENTORY, '--report-dir', reports], join(dir, 'events.ndjson'));
    try {
      const first = await w.waitFor((e) => action(e) === 'unexpected-flow');
      expect(fa(first).group_key).toBe(RDP_GROUP);
      expect(fa(started(w.events())).state).toMatchObject({ status: 'new', file: join(reports, '.watch-state.json') });
    } finally {
      expect(await w.stop('SIGTERM')).toBe(0);
    }
    const saved = JSON.parse(readFileSync(join(reports, '.watch-state.json'), 'utf8')) as { groups: { list: { k: { key: string } }[] } };
    expect(saved.groups.list.map((g) => g.k.key)).toEqual([RDP_GROUP]);
    appendFileSync(conn, `${[...minutes(10, 15), connRow(T0 + 660, WEB, '10.0.0.2', 3389), connRow(T0 + 670, WEB, '10.0.0.2', 22)].join('\n')}\n`);
    const control = await withoutState(dir, logs, join(reports, '.watch-checkpoint.json'));
    expect(alerted(control)).toEqual([3389, 22]);
    const r = await once(logs, ['--report-dir', reports]);
    expect(r.code, r.stderr).toBe(0);
    expect((started(r.events).event as { reason: string }).reason).toMatch(/resumed learned state from \S+\/reports\/\.watch-state\.json: 1 group, 2 rules$/);
    expect(stateOf(r.events)).toMatchObject({ status: 'resumed', groups: 1, rules: 2 });
    expect(alerted(r.events)).toEqual([22]);
    const count = r.events.find((e) => action(e) === 'unexpected-flow-count' && fa(e).port === 3389);
    expect(fa(count!)).toMatchObject({ connections: 2, new_connections: 1 }); // the count goes on from before the restart
  }, 60_000);

  it('killed (SIGKILL, a crash) right after an alert: the state written with the batch keeps it from alerting again', async () => {
    const { dir, logs, conn } = site([...minutes(0, 10), connRow(T0 + 300, WEB, '10.0.0.2', 3389)]);
    const cp = join(dir, 'cp.json');
    const w = startWatch([logs, '--inventory', INVENTORY, '--checkpoint', cp], join(dir, 'events.ndjson'));
    try {
      await w.waitFor((e) => action(e) === 'unexpected-flow');
      const until = Date.now() + 10_000;
      while (!(existsSync(join(dir, 'cp.state.json')) && readFileSync(join(dir, 'cp.state.json'), 'utf8').includes(RDP_GROUP)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await w.stop('SIGKILL');
    }
    expect(w.events().map(action)).not.toContain('watch-stopped'); // it did not stop cleanly
    appendFileSync(conn, `${[connRow(T0 + 660, WEB, '10.0.0.2', 3389), connRow(T0 + 670, WEB, '10.0.0.2', 22)].join('\n')}\n`);
    expect(alerted(await withoutState(dir, logs, cp))).toEqual([3389, 22]);
    const r = await once(logs, ['--checkpoint', cp]);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(r.events)).toMatchObject({ status: 'resumed', groups: 1 });
    expect(alerted(r.events)).toEqual([22]);
  }, 60_000);

  it('a learned check-in interval stays learned: the agents stop right after a restart and the rule is quiet 5 min later (without the state it is never called quiet)', async () => {
    const { dir, logs, conn } = site(minutes(0, 20));
    const cp = join(dir, 'cp.json');
    const r1 = await once(logs, ['--checkpoint', cp]);
    expect(r1.code, r1.stderr).toBe(0);
    appendFileSync(conn, `${minutes(20, 30, false).join('\n')}\n`); // LDAP goes on, the agents are silent
    const control = await withoutState(dir, logs, cp);
    expect(control.map(action)).not.toContain('rule-quiet');
    const r = await once(logs, ['--checkpoint', cp]);
    expect(r.code, r.stderr).toBe(0);
    const quiet = r.events.filter((e) => action(e) === 'rule-quiet');
    expect(quiet.map((e) => [e['@timestamp'], fa(e).rule_id, fa(e).learned_interval_seconds, fa(e).quiet_after_seconds])).toEqual([
      ['2026-12-07T19:24:00.000000Z', 'agent-ams-api', 60, 300], // last attempt 19:19 (before the restart) + 5 min
    ]);
  }, 60_000);

  it('another inventory at restart: the state is not used (kept as FILE.old, said in watch-started and on stderr), the group alerts again', async () => {
    const { dir, logs, conn } = site([connRow(T0, WEB, '10.0.0.2', 3389)]);
    const cp = join(dir, 'cp.json');
    expect((await once(logs, ['--checkpoint', cp])).code).toBe(0);
    const before = readFileSync(join(dir, 'cp.state.json'), 'utf8');
    const inv = JSON.parse(readFileSync(INVENTORY, 'utf8')) as { names: Record<string, string> };
    inv.names['10.0.0.99'] = 'new-host';
    const changed = join(dir, 'inventory.json');
    writeFileSync(changed, JSON.stringify(inv));
    appendFileSync(conn, `${connRow(T0 + 60, WEB, '10.0.0.2', 3389)}\n`);
    const r = await once(logs, ['--checkpoint', cp, '--inventory', changed]);
    expect(r.code, r.stderr).toBe(0);
    const s = stateOf(r.events);
    expect(s).toMatchObject({ status: 'policy-changed', kept_as: join(dir, 'cp.state.json.old') });
    expect(s.difference).toMatch(/^inventory sha256 848b328ffd9e… → [0-9a-f]{12}…$/);
    expect((started(r.events).event as { reason: string }).reason).toMatch(/was made under another policy \(inventory sha256 .*\): not used, kept as \S+cp\.state\.json\.old; learning afresh/);
    expect(r.stderr).toMatch(/^flowaudit: watch: the learned state in \S+cp\.state\.json was made under another policy/m);
    expect(readFileSync(join(dir, 'cp.state.json.old'), 'utf8')).toBe(before);
    expect(alerted(r.events)).toEqual([3389]);
    const now = JSON.parse(readFileSync(join(dir, 'cp.state.json'), 'utf8')) as { policy: { inventory: { sha256: string } } };
    expect(now.policy.inventory.sha256).not.toBe('848b328ffd9e89e091e0c1a0271466151e0865c5a661d66eab9bf53812fc3420'); // learned afresh under the new one
  }, 60_000);

  it('SIGHUP with another inventory: what was learned goes on (as in memory) and the state is rewritten under the new hash at once (then killed), so a restart with that inventory resumes it', async () => {
    const { dir, logs, conn } = site([connRow(T0, WEB, '10.0.0.2', 3389)]);
    const inventory = join(dir, 'inventory.json');
    copyFileSync(INVENTORY, inventory);
    const cp = join(dir, 'cp.json');
    const w = startWatch([logs, '--inventory', inventory, '--checkpoint', cp], join(dir, 'events.ndjson'));
    let newHash = '';
    try {
      await w.waitFor((e) => action(e) === 'unexpected-flow');
      const inv = JSON.parse(readFileSync(INVENTORY, 'utf8')) as { names: Record<string, string> };
      inv.names['10.0.0.99'] = 'new-host';
      writeFileSync(inventory, JSON.stringify(inv));
      w.child.kill('SIGHUP');
      const reloaded = await w.waitFor((e) => action(e) === 'policy-reloaded');
      newHash = (fa(reloaded).policy as { inventory: { sha256: string } }).inventory.sha256;
      const until = Date.now() + 10_000;
      while (!readFileSync(join(dir, 'cp.state.json'), 'utf8').includes(newHash) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await w.stop('SIGKILL'); // not SIGTERM: the state written at stop would hide a reload that wrote nothing
    }
    const saved = JSON.parse(readFileSync(join(dir, 'cp.state.json'), 'utf8')) as { policy: { inventory: { sha256: string } }; groups: { list: unknown[] } };
    expect(saved.policy.inventory.sha256).toBe(newHash);
    expect(newHash).not.toBe('848b328ffd9e89e091e0c1a0271466151e0865c5a661d66eab9bf53812fc3420');
    expect(saved.groups.list).toHaveLength(1); // the group learned under the old inventory is kept
    appendFileSync(conn, `${[connRow(T0 + 60, WEB, '10.0.0.2', 3389), connRow(T0 + 70, WEB, '10.0.0.2', 22)].join('\n')}\n`);
    const r = await once(logs, ['--checkpoint', cp, '--inventory', inventory]);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(r.events)).toMatchObject({ status: 'resumed', groups: 1 });
    expect(alerted(r.events)).toEqual([22]);
  }, 60_000);

  it.each([
    ['truncated by a crash', '{"flowauditWatchState":1,"policy":{"matrix"', /Unexpected end of JSON input|Unterminated|JSON/],
    ['not a watch state', '{"flowauditFollow":1,"files":[]}', /not a flowaudit watch state \(version 1\)/],
  ])('an unreadable state file (%s): kept as FILE.bad, one line, a fresh start, exit 0', async (_what, text, why) => {
    const { dir, logs } = site([connRow(T0, WEB, '10.0.0.2', 3389)]);
    const state = join(dir, 'state.json');
    writeFileSync(state, text);
    const r = await once(logs, ['--state', state]);
    expect(r.code, r.stderr).toBe(0);
    expect(stateOf(r.events)).toMatchObject({ status: 'unreadable', kept_as: `${state}.bad` });
    expect(String(stateOf(r.events).error)).toMatch(why);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^flowaudit: watch: the learned state in \S+state\.json is unreadable \(.*\): starting fresh, the file is kept as \S+state\.json\.bad$/)]);
    expect(readFileSync(`${state}.bad`, 'utf8')).toBe(text);
    expect(alerted(r.events)).toEqual([3389]);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ flowauditWatchState: 1 }); // a good one replaces it
  }, 60_000);
});
