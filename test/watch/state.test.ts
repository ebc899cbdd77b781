/**
 * The watch state (src/watch/watch_state.ts, saved_state.ts): a restart through the state file is
 * invisible — the events after a split equal those of one core that saw everything — for unexpected
 * groups, quiet/back, failing/recovered and --learn; a state file is checked field by field (a
 * broken one is named, never restored); the policy comparison says what changed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WatchEvent } from '../../src/watch/events.js';
import { MAX_STATE_BYTES, policyDifference, readState, stateProblem, writeState, type SavedPolicy, type WatchState } from '../../src/watch/watch_state.js';
import type { WatchCoreOptions } from '../../src/watch/watch_core.js';
import { statePathFor } from '../../src/cli/watch/watch_state_file.js';
import { CONN_HEADER, T0, connRow } from './conn_rows.js';
import { action, core, fa, kind } from './core_stub.js';

const AGENT = '10.0.5.40';
const AMS = '10.0.0.10';
const WEB = '10.0.3.7';

/** Two hours: agents every minute with a 20-minute stop, LDAP every minute with 3 refusals from minute 70, RDP from a web user every 7 minutes, SSH from minute 90. */
function stream(): string[] {
  const rows: [number, string][] = [];
  for (let m = 0; m < 120; m++) {
    const agent = T0 + m * 60 + (m % 4) * 3; // gaps of 51 to 69 s: where each sits in the gap ring matters
    if (m < 30 || m >= 50) rows.push([agent, connRow(agent, AGENT, AMS, 443)]);
    rows.push([T0 + m * 60 + 20, connRow(T0 + m * 60 + 20, AMS, '10.0.0.2', 389, m >= 70 && m < 73 ? 'refused' : 'answered')]);
    if (m % 7 === 0) rows.push([T0 + m * 60 + 40, connRow(T0 + m * 60 + 40, WEB, '10.0.0.2', 3389)]);
    if (m >= 90) rows.push([T0 + m * 60 + 50, connRow(T0 + m * 60 + 50, WEB, '10.0.0.2', 22)]);
  }
  return rows.sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** The index of the first row at or after `minute`. */
function rowAt(minute: number): number {
  return stream().findIndex((r) => Number(r.split('\t')[0]) >= T0 + minute * 60);
}

const batch = (lines: string[], first: boolean) => ({ file: 'conn.log', lines: first ? [...CONN_HEADER, ...lines] : lines, firstLineNo: 1, newFile: first, ...(first ? {} : { header: CONN_HEADER }) });
const strip = (events: WatchEvent[]): string[] => events.map((e) => JSON.stringify(e));

/** Events of one core over all rows, and of a core resumed (through JSON, as on disk) from one that stopped after `split` rows. */
function splitRun(minute: number, opts: Partial<WatchCoreOptions> = {}): { whole: WatchEvent[]; resumed: WatchEvent[]; before: number; state: WatchState } {
  const rows = stream();
  const split = rowAt(minute);
  const one = core({ repeatUs: 600e6, ...opts });
  one.core.ingest(batch(rows.slice(0, split), true));
  const before = one.events.length;
  one.core.ingest(batch(rows.slice(split), false));
  const first = core({ repeatUs: 600e6, ...opts });
  first.core.ingest(batch(rows.slice(0, split), true));
  const state = JSON.parse(JSON.stringify(first.core.snapshot())) as WatchState;
  expect(stateProblem(state)).toBeNull();
  const second = core({ repeatUs: 600e6, ...opts });
  second.core.resume(state);
  second.core.ingest(batch(rows.slice(split), true));
  return { whole: one.events.slice(before), resumed: second.events, before, state };
}

describe('a restart through the state file is invisible', () => {
  it.each([
    ['after the first RDP alert, before the agents stop', 5],
    ['while the agents are quiet', 40],
    ['during the refusals (a member failing)', 71.5],
    ['after the SSH group appeared', 95],
  ])('split %s (minute %s): the events after it are those of an uninterrupted watch', (_what, split) => {
    const { whole, resumed } = splitRun(split);
    expect(whole.length).toBeGreaterThan(0);
    expect(strip(resumed)).toEqual(strip(whole));
  });

  it('what the split run would have done without the state: re-alerts the RDP group and learns the interval again (the test can fail)', () => {
    const rows = stream();
    const fresh = core({ repeatUs: 600e6 });
    fresh.core.ingest(batch(rows.slice(rowAt(40)), true));
    const { whole } = splitRun(40);
    expect(strip(fresh.events)).not.toEqual(strip(whole));
    expect(fresh.events.filter((e) => action(e) === 'unexpected-flow').map((e) => fa(e).port)).toContain(3389);
  });

  it('the resumed state is the state saved (round trip)', () => {
    const { state } = splitRun(45);
    const again = core();
    again.core.resume(state);
    expect(JSON.parse(JSON.stringify(again.core.snapshot()))).toEqual(state);
    expect(state.rules['agent-ams-api']).toMatchObject({ learned: 63e6, quiet: true, gapCount: 29 });
    expect(state.groups.list.map((g) => g.k.key)).toEqual(['web-user|10.0.0.2|tcp|3389']);
  });

  it('--learn: a period under way goes on to its end after a restart; a baseline group stays silent; learning-ended once', () => {
    const { whole, resumed, state } = splitRun(20, { learnUs: 30 * 60e6 });
    expect(state.learning).toMatchObject({ until: (T0 + 30 * 60) * 1e6, over: false });
    expect(strip(resumed)).toEqual(strip(whole));
    const ended = resumed.filter((e) => action(e) === 'learning-ended');
    expect(ended.map((e) => e['@timestamp'])).toEqual(['2026-12-07T19:30:00.000000Z']);
    const rdp = resumed.filter((e) => action(e).startsWith('unexpected') && fa(e).port === 3389);
    expect(rdp.length).toBeGreaterThan(0); // counts while learning (marked) …
    expect(rdp.filter((e) => fa(e).learning !== true)).toEqual([]); // … and none once it ended: a baseline group
  });

  it('--learn ended before the restart is not started again: a new group is an alert at once', () => {
    const { resumed, state } = splitRun(85, { learnUs: 10 * 60e6 });
    expect(state.learning).toEqual({ until: null, over: true, endedAt: (T0 + 10 * 60) * 1e6 });
    expect(resumed.map(action)).not.toContain('learning-ended');
    const ssh = resumed.find((e) => action(e) === 'unexpected-flow' && fa(e).port === 22)!;
    expect(kind(ssh)).toBe('alert');
    expect(fa(ssh).learning).toBeUndefined();
  });
});

function validState(): WatchState {
  return JSON.parse(JSON.stringify(splitRun(80).state)) as WatchState;
}

describe('a state file is checked before anything is restored', () => {
  it.each<[string, (s: Record<string, any>) => unknown, RegExp]>([
    ['another version', (s) => (s.flowauditWatchState = 2), /not a flowaudit watch state \(version 1\)/],
    ['no policy', (s) => delete s.policy, /^policy:/],
    ['scope unknown', (s) => (s.policy.scope = 'some'), /^policy:/],
    ['now a string', (s) => (s.now = 'yesterday'), /^now: not a time/],
    ['learning without over', (s) => delete s.learning.over, /^learning:/],
    ['a group without its key', (s) => delete s.groups.list[0].k.key, /^groups\.list\[0\]: not a group/],
    ['a group count negative', (s) => (s.groups.list[0].connections = -1), /^groups\.list\[0\]/],
    ['more groups than watch keeps', (s) => (s.groups.list = Array(10_002).fill(s.groups.list[0])), /^groups: more than watch keeps \(10002 groups\)/],
    ['a pairPorts entry broken', (s) => (s.groups.pairPorts = [['a|b|tcp']]), /^groups\.pairPorts/],
    ['a gap ring longer than 32', (s) => (s.rules['ams-ldap'].gaps = Array(33).fill(1)), /^rules\.ams-ldap: not a rule's state/],
    ['a gap ring not matching its count', (s) => (s.rules['ams-ldap'].gapCount = 3), /^rules\.ams-ldap/],
    ['a member of 5 fields', (s) => s.rules['ams-ldap'].members[0].pop(), /^rules\.ams-ldap/],
    ['quiet not a boolean', (s) => (s.rules['agent-ams-api'].quiet = 'yes'), /^rules\.agent-ams-api/],
  ])('%s: named', (_what, mutate, message) => {
    const s = validState() as unknown as Record<string, any>;
    expect(stateProblem(s)).toBeNull();
    mutate(s);
    expect(stateProblem(s)).toMatch(message);
  });

  it.each<[string, (() => string) | null, string]>([
    ['absent', null, 'absent'],
    ['truncated by a crash', () => '{"flowauditWatchState":1,"policy":{', 'bad'],
    ['empty', () => '', 'bad'],
    ['another JSON', () => '[1,2,3]', 'bad'],
    ['larger than MAX_STATE_BYTES (not parsed)', () => ' '.repeat(MAX_STATE_BYTES + 1), 'bad'],
  ])('readState: %s', (_what, text, expected) => {
    const file = join(mkdtempSync(join(tmpdir(), 'fa-state-')), 'state.json');
    if (text !== null) writeFileSync(file, text());
    const got = readState(file);
    expect(got.kind).toBe(expected);
    if (got.kind === 'bad' && _what.startsWith('larger')) expect(got.why).toMatch(/^67108865 bytes, more than a watch state can be/);
  });

  it('writeState then readState: the same state, one line of JSON, no temporary file left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-state-'));
    const file = join(dir, 'state.json');
    const s = validState();
    writeState(file, s);
    const got = readState(file);
    expect(got).toEqual({ kind: 'ok', state: s });
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(2);
    expect(() => writeState(join(dir, 'no', 'such', 'dir.json'), s)).toThrow(/dir\.json: cannot write the watch state/);
  });
});

describe('policyDifference', () => {
  const base: SavedPolicy = { matrix: { name: 'ams', origin: 'builtin:ams', sha256: 'a'.repeat(64) }, inventory: { origin: '/etc/inv.json', sha256: 'b'.repeat(64) }, features: ['azure-ad'], scope: 'inventory' };
  it.each<[string, Partial<SavedPolicy>, string | null]>([
    ['the same', {}, null],
    ['the same hashes from another path', { inventory: { origin: '/srv/inv.json', sha256: 'b'.repeat(64) } }, null],
    ['inventory changed', { inventory: { origin: '/etc/inv.json', sha256: 'c'.repeat(64) } }, 'inventory sha256 bbbbbbbbbbbb… → cccccccccccc…'],
    ['matrix changed', { matrix: { name: 'ams', origin: 'm.csv', sha256: 'd'.repeat(64) } }, 'matrix sha256 aaaaaaaaaaaa… → dddddddddddd…'],
    ['no inventory now', { inventory: { origin: '(none)', sha256: null } }, 'inventory sha256 bbbbbbbbbbbb… → (none)…'],
    ['a feature added', { features: ['azure-ad', 'oidc'] }, 'features azure-ad → azure-ad,oidc'],
    ['scope all', { scope: 'all' }, 'scope inventory → all'],
  ])('%s', (_what, change, expected) => {
    expect(policyDifference(base, { ...base, ...change })).toBe(expected);
  });
});

describe('statePathFor: where the state file is', () => {
  it.each<[string | undefined, string | undefined, string | null]>([
    [undefined, undefined, null],
    [undefined, '/var/lib/fa/reports/.watch-checkpoint.json', '/var/lib/fa/reports/.watch-state.json'],
    [undefined, '/var/lib/fa/zeek.json', '/var/lib/fa/zeek.state.json'],
    [undefined, '/var/lib/fa/zeek.cp', '/var/lib/fa/zeek.cp.state.json'],
    ['/srv/state.json', '/var/lib/fa/zeek.json', '/srv/state.json'],
    ['/srv/state.json', undefined, '/srv/state.json'],
  ])('--state %s, checkpoint %s → %s', (state, checkpoint, expected) => {
    expect(statePathFor(state, checkpoint)).toBe(expected);
  });

  it('--state the checkpoint itself: a usage error', () => {
    expect(() => statePathFor('/var/lib/fa/cp.json', '/var/lib/fa/cp.json')).toThrow(/--state \/var\/lib\/fa\/cp\.json: the checkpoint's file/);
  });
});
