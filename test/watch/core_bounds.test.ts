/**
 * The watch core's bounds and inputs: a port sweep folds into one "many ports" group after 16
 * ports; Suricata eve.json flow events are followed like conn.log rows; a batch resumed mid-file
 * (a checkpoint) brings its Zeek header; rolling intervals keep exactly the rows they read, under
 * their header, and close when the log time passes their end (or early, when stopped).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PORTS_PER_PAIR } from '../../src/watch/unexpected_watch.js';
import { CONN_HEADER, T0, connRow } from './conn_rows.js';
import { action, core, fa } from './core_stub.js';

describe('bounds', () => {
  it(`a sweep of 1,000 ports from one client: ${PORTS_PER_PAIR} groups, then one "many ports" group`, () => {
    const { core: c, events } = core();
    const rows = Array.from({ length: 1000 }, (_, i) => connRow(T0 + i, '192.168.7.7', '10.0.0.10', 1000 + i, 'unanswered'));
    c.ingest({ file: 'conn.log', lines: [...CONN_HEADER, ...rows], firstLineNo: 1, newFile: true });
    const firsts = events.filter((e) => action(e) === 'unexpected-flow');
    expect(firsts).toHaveLength(PORTS_PER_PAIR + 1);
    expect(fa(firsts.at(-1)!)).toMatchObject({ group_key: '192.168.7.7|10.0.0.10|tcp|*', folded: expect.stringMatching(/more than 16 ports/) });
    c.finish();
    const last = events.filter((e) => action(e) === 'unexpected-flow-count').at(-1)!;
    expect(fa(last)).toMatchObject({ group_key: '192.168.7.7|10.0.0.10|tcp|*', connections: 1000 - PORTS_PER_PAIR });
  });
});

describe('inputs', () => {
  it('Suricata eve.json: flow events judged like conn.log rows, other event types ignored', () => {
    const { core: c, events } = core();
    const flow = (ts: string, src: string, dst: string, port: number): string =>
      JSON.stringify({ timestamp: ts, event_type: 'flow', src_ip: src, src_port: 51000, dest_ip: dst, dest_port: port, proto: 'TCP', flow: { pkts_toserver: 3, pkts_toclient: 2, bytes_toserver: 200, bytes_toclient: 300, start: ts, end: ts }, tcp: { tcp_flags_ts: '1b', tcp_flags_tc: '1b' } });
    const lines = [flow('2026-12-07T19:00:00.000000+0000', '10.0.3.7', '10.0.0.2', 3389), JSON.stringify({ timestamp: '2026-12-07T19:00:01+0000', event_type: 'dns', src_ip: '10.0.3.7', dest_ip: '10.0.0.2' })];
    c.ingest({ file: 'eve.json', lines, firstLineNo: 1, newFile: true });
    expect(events.map(action)).toEqual(['unexpected-flow']);
    expect(events[0]!['@timestamp']).toBe('2026-12-07T19:00:00.000000Z');
    expect((events[0]!.network as { community_id: string }).community_id).toMatch(/^1:/);
  });

  it('a batch resumed mid-file with its header (checkpoint) is parsed under that header', () => {
    const { core: c, events, notes } = core();
    c.ingest({ file: '/nonexistent/conn.log', lines: [connRow(T0, '10.0.3.7', '10.0.0.2', 3389)], firstLineNo: 120, newFile: false, header: CONN_HEADER });
    expect(notes).toEqual([]);
    expect(events.map(action)).toEqual(['unexpected-flow']);
  });
});

describe('rolling intervals', () => {
  it('each interval keeps its rows under the Zeek header; closes at its end, the last one when stopped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-watch-core-'));
    const { core: c } = core({ reportDir: dir, reportEveryUs: 3600e6 });
    const hour1 = Array.from({ length: 50 }, (_, i) => connRow(T0 + i * 60, '10.0.5.40', '10.0.0.10', 443));
    const hour2 = Array.from({ length: 30 }, (_, i) => connRow(T0 + 3600 + i * 60, '10.0.5.40', '10.0.0.10', 443));
    c.ingest({ file: 'conn.log', lines: [...CONN_HEADER, ...hour1, ...hour2], firstLineNo: 1, newFile: true });
    const first = c.closed();
    expect(first.map((iv) => [new Date(iv.startUs / 1000).toISOString(), iv.rows, iv.early])).toEqual([['2026-12-07T19:00:00.000Z', 50, null]]);
    c.finish();
    const last = c.closed();
    expect(last.map((iv) => [new Date(iv.startUs / 1000).toISOString(), iv.rows, iv.early])).toEqual([['2026-12-07T20:00:00.000Z', 30, 'stopped']]);
    const kept = readFileSync(first[0]!.files[0]!, 'utf8').split('\n');
    expect(kept.filter((l) => l.startsWith('#fields'))).toHaveLength(1);
    expect(kept.filter((l) => l && !l.startsWith('#'))).toEqual(hour1);
    expect(first[0]!.files[0]).toBe(join(dir, 'watch-20261207T190000Z.conn.log'));
  });
});

describe('the expected configuration with each alert', () => {
  it('an unexpected flow names the enabled rules for its protocol and port (here: a DC answering HTTPS)', () => {
    const { core: c, events } = core();
    c.ingest({ file: 'conn.log', lines: [...CONN_HEADER, connRow(T0, '10.0.3.7', '10.0.0.2', 443)], firstLineNo: 1, newFile: true });
    expect(fa(events[0]!).expected_rules).toEqual(['ams-update-check: ams-server → lithnet-updates tcp/443', 'ams-graph-api: ams-server → microsoft-graph tcp/443', 'ams-graph-login: ams-server → microsoft-login tcp/443', 'ams-oidc-validation: ams-server → oidc-provider tcp/443', 'agent-ams-api: non-domain-agent → ams-server tcp/443', 'web-https: web-user → ams-server tcp/443', 'web-oidc-login: web-user → oidc-provider tcp/443']);
  });
});

describe('a file that is no connection log', () => {
  it('is said once, not at every batch, and its lines are left alone', () => {
    const { core: c, events, notes } = core();
    for (let i = 0; i < 3; i++) c.ingest({ file: '/nonexistent/notes.log', lines: ['hello', 'world'], firstLineNo: 1 + 2 * i, newFile: i === 0 });
    expect(notes).toEqual(['/nonexistent/notes.log: not followed: not a conn.log, eve.json or flowaudit flows log']);
    expect(events).toEqual([]);
  });
});
