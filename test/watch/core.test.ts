/**
 * The watch core over generated Zeek conn.log rows (log time, so deterministic): one event for
 * 1,000 repetitions of an unexpected flow, count updates at most every --repeat; a required rule
 * whose agents check in every minute, then stop (quiet), then resume (back); a member that starts
 * refusing (failing) and answers again (recovered); --learn marks instead of alerting.
 */
import { describe, expect, it } from 'vitest';
import { CONN_HEADER, T0, connRow } from './conn_rows.js';
import { action, core, fa, kind } from './core_stub.js';

const AGENT = '10.0.5.40'; // non-domain-agent → ams-server tcp/443: rule agent-ams-api (required)
const AMS = '10.0.0.10';
const WEB = '10.0.3.7'; // web-user

describe('unexpected flows', () => {
  it('1,000 repetitions of one flow are ONE event, with the hashes, the group and a Community ID', () => {
    const { core: c, events } = core();
    const rows = Array.from({ length: 1000 }, (_, i) => connRow(T0 + i, WEB, '10.0.0.2', 3389));
    c.ingest({ file: 'conn.log', lines: [...CONN_HEADER, ...rows], firstLineNo: 1, newFile: true });
    const unexpected = events.filter((e) => action(e).startsWith('unexpected'));
    expect(unexpected.map(action)).toEqual(['unexpected-flow']);
    const e = unexpected[0]!;
    expect(kind(e)).toBe('alert');
    expect(e['@timestamp']).toBe('2026-12-07T19:00:00.000000Z');
    expect(fa(e)).toMatchObject({ client: 'web-user', server: '10.0.0.2', protocol: 'tcp', port: 3389, group_key: 'web-user|10.0.0.2|tcp|3389', connections: 1 });
    expect((fa(e).policy as { matrix: { sha256: string } }).matrix.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((fa(e).policy as { inventory: { sha256: string } }).inventory.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((e.network as { community_id: string }).community_id).toMatch(/^1:/);
    expect(e.source).toMatchObject({ ip: WEB });
    expect(e.destination).toEqual({ ip: '10.0.0.2', port: 3389 });
  });

  it('count updates at most every --repeat, and the rest when watch stops', () => {
    const { core: c, events } = core({ repeatUs: 600e6 });
    const rows = Array.from({ length: 60 }, (_, i) => connRow(T0 + i * 60, WEB, '10.0.0.2', 3389)); // one a minute for an hour
    c.ingest({ file: 'conn.log', lines: [...CONN_HEADER, ...rows], firstLineNo: 1, newFile: true });
    const counts = events.filter((e) => action(e) === 'unexpected-flow-count');
    expect(counts).toHaveLength(5); // at 10, 20, 30, 40, 50 min
    expect(counts.map((e) => fa(e).connections)).toEqual([11, 21, 31, 41, 51]);
    c.finish();
    const last = events.filter((e) => action(e) === 'unexpected-flow-count').at(-1)!;
    expect(fa(last)).toMatchObject({ connections: 60, new_connections: 9 });
  });
});

describe('a required rule goes quiet and comes back', () => {
  it('agents every minute, a 20-minute stop, then again: quiet once at last+5 min, back once', () => {
    const { core: c, events } = core();
    const lines: string[] = [...CONN_HEADER];
    for (let m = 0; m < 30; m++) lines.push(connRow(T0 + m * 60, AGENT, AMS, 443));
    // The agents stop; other traffic (the AMS server's LDAP) goes on, so log time moves.
    for (let m = 30; m < 50; m++) lines.push(connRow(T0 + m * 60 + 30, AMS, '10.0.0.2', 389));
    for (let m = 50; m < 60; m++) lines.push(connRow(T0 + m * 60, AGENT, AMS, 443));
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    const rule = events.filter((e) => ['rule-quiet', 'rule-back'].includes(action(e)) && fa(e).rule_id === 'agent-ams-api');
    expect(rule.map(action)).toEqual(['rule-quiet', 'rule-back']);
    const [quiet, back] = rule as [Record<string, unknown>, Record<string, unknown>];
    expect(quiet['@timestamp']).toBe('2026-12-07T19:34:00.000000Z'); // last attempt 19:29 + 5 min (floor; learned 1 min × 3)
    expect(fa(quiet)).toMatchObject({ learned_interval_seconds: 60, quiet_after_seconds: 300, last_attempt: '2026-12-07T19:29:00.000Z' });
    expect((quiet.rule as { id: string }).id).toBe('agent-ams-api');
    expect(back['@timestamp']).toBe('2026-12-07T19:50:00.000000Z');
    expect(fa(back)).toMatchObject({ silence_seconds: 21 * 60 });
  });

  it('--quiet-after fixes the threshold (no learning needed)', () => {
    const { core: c, events } = core({ quietAfterUs: 120e6 });
    const lines = [...CONN_HEADER, connRow(T0, AGENT, AMS, 443), connRow(T0 + 100, AMS, '10.0.0.2', 389), connRow(T0 + 200, AMS, '10.0.0.2', 389)];
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    expect(events.filter((e) => action(e) === 'rule-quiet' && fa(e).rule_id === 'agent-ams-api').map((e) => e['@timestamp'])).toEqual(['2026-12-07T19:02:00.000000Z']);
  });
});

describe('a required rule fails for a member', () => {
  it('3 refusals in a row → failing (alert); the next answer → recovered', () => {
    const { core: c, events } = core();
    const lines = [
      ...CONN_HEADER,
      connRow(T0, AGENT, AMS, 443),
      connRow(T0 + 60, AGENT, AMS, 443, 'refused'),
      connRow(T0 + 120, AGENT, AMS, 443, 'unanswered'),
      connRow(T0 + 180, AGENT, AMS, 443, 'refused'),
      connRow(T0 + 240, AGENT, AMS, 443, 'refused'),
      connRow(T0 + 300, AGENT, AMS, 443),
    ];
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    const got = events.filter((e) => action(e).startsWith('rule-') && action(e) !== 'rule-quiet');
    expect(got.map(action)).toEqual(['rule-failing', 'rule-recovered']);
    expect(got[0]!['@timestamp']).toBe('2026-12-07T19:03:00.000000Z');
    expect(fa(got[0]!)).toMatchObject({ rule_id: 'agent-ams-api', member: AMS, failed_attempts: 3, first_failure: '2026-12-07T19:01:00.000Z' });
    expect(kind(got[0]!)).toBe('alert');
    expect(got[1]!['@timestamp']).toBe('2026-12-07T19:05:00.000000Z');
  });
});

describe('--learn', () => {
  it('during learning events are marked (kind event, learning true); learned groups are not alerted later', () => {
    const { core: c, events } = core({ learnUs: 3600e6 });
    const lines = [...CONN_HEADER, connRow(T0, WEB, '10.0.0.2', 3389), connRow(T0 + 3700, WEB, '10.0.0.2', 3389), connRow(T0 + 3800, WEB, '10.0.0.3', 3389)];
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    const seen = events.map((e) => [action(e), kind(e), fa(e).learning ?? false, fa(e).server ?? null]);
    expect(seen).toEqual([
      ['unexpected-flow', 'event', true, '10.0.0.2'],
      ['learning-ended', 'state', false, null],
      ['unexpected-flow', 'alert', false, '10.0.0.3'],
    ]);
    expect(fa(events[1]!).baseline_groups).toBe(1);
  });
});

describe('learning the interval', () => {
  it('a rule seen fewer than 5 gaps is not called quiet (its interval is not learned yet)', () => {
    const { core: c, events } = core();
    const lines = [...CONN_HEADER, ...[0, 60, 120, 180].map((s) => connRow(T0 + s, AGENT, AMS, 443))];
    for (let m = 4; m < 120; m++) lines.push(connRow(T0 + m * 60 + 30, AMS, '10.0.0.2', 389));
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    expect(events.filter((e) => action(e) === 'rule-quiet' && fa(e).rule_id === 'agent-ams-api')).toEqual([]);
  });

  it('hourly check-ins: quiet after 3 hours, not after 5 minutes', () => {
    const { core: c, events } = core();
    const lines = [...CONN_HEADER];
    for (let h = 0; h < 8; h++) lines.push(connRow(T0 + h * 3600, AGENT, AMS, 443));
    for (let m = 8 * 60; m < 12 * 60; m += 5) lines.push(connRow(T0 + m * 60 + 30, AMS, '10.0.0.2', 389));
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    const quiet = events.filter((e) => action(e) === 'rule-quiet' && fa(e).rule_id === 'agent-ams-api');
    expect(quiet.map((e) => e['@timestamp'])).toEqual(['2026-12-08T05:00:00.000000Z']); // last at 02:00 + 3 h
    expect(fa(quiet[0]!)).toMatchObject({ learned_interval_seconds: 3600, quiet_after_seconds: 3 * 3600 });
  });

  it('failing is per member: one server refusing, another answering', () => {
    const { core: c, events } = core();
    const lines = [...CONN_HEADER];
    for (let i = 0; i < 4; i++) {
      lines.push(connRow(T0 + i * 60, AMS, '10.0.0.2', 389, 'refused'));
      lines.push(connRow(T0 + i * 60 + 1, AMS, '10.0.0.3', 389));
    }
    c.ingest({ file: 'conn.log', lines, firstLineNo: 1, newFile: true });
    const failing = events.filter((e) => action(e) === 'rule-failing');
    expect(failing.map((e) => [fa(e).rule_id, fa(e).member])).toEqual([['ams-ldap', '10.0.0.2']]);
  });
});
