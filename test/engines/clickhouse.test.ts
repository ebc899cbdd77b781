/**
 * The audit pushed down into ClickHouse against the real server (Debian's clickhouse-server 18.16):
 * a temp-dir server on free loopback ports, two shard tables behind a Distributed table, loaded with
 * a corpus conn.log and generated ones (the bench generator, plus rows of every state and
 * orientation case: S0, REJ, RSTO, SH, `^` flips, SYN-ACK only, unanswered UDP, ICMP), half the
 * rows on each shard. The push-down audit must equal the file audit of the same rows: verdict, rule
 * statuses and unexpected groups. Skipped with the reason when clickhouse-server is absent;
 * FLOWAUDIT_REQUIRE_ENGINES=1 (.ci/run) turns the skip into a failure.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { SHARED_DIR, sharedMissing } from '../support/shared.js';
import { startClickhouse, type TestServer } from './clickhouse_server.js';
import { haveCommand, REQUIRE_ENGINES } from './engines_support.js';

const HAVE = haveCommand('clickhouse-server');
const INV = 'fixtures/ams-lab.inventory.json';
const CORPUS_LOG_PART = 'corpus/flowlogs/logs/zeek__opt.basic.conn.log';
const CORPUS_LOG = join(SHARED_DIR, CORPUS_LOG_PART);
const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-chtest-'));

const COLUMNS =
  'ts Nullable(Float64), uid String, id_orig_h String, id_orig_p UInt16, id_resp_h String, id_resp_p UInt16, proto String, ' +
  'duration Nullable(Float64), conn_state String, history String, orig_pkts UInt64, orig_ip_bytes UInt64, resp_pkts UInt64, resp_ip_bytes UInt64';

/** Zeek TSV conn.log → JSONEachRow objects for the table above (unset: null times, '' text, 0 counts). */
function zeekRows(text: string): Record<string, unknown>[] {
  let fields: string[] = [];
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
    if (line === '' || line.startsWith('#')) continue;
    const v = line.split('\t');
    const g = (name: string): string => v[fields.indexOf(name)] ?? '-';
    const num = (name: string): number | null => (/^\d+(\.\d+)?$/.test(g(name)) ? Number(g(name)) : null);
    const str = (name: string): string => (g(name) === '-' ? '' : g(name));
    out.push({
      ts: num('ts'), uid: str('uid'), id_orig_h: g('id.orig_h'), id_orig_p: num('id.orig_p') ?? 0, id_resp_h: g('id.resp_h'), id_resp_p: num('id.resp_p') ?? 0,
      proto: g('proto'), duration: num('duration'), conn_state: str('conn_state'), history: str('history'),
      orig_pkts: num('orig_pkts') ?? 0, orig_ip_bytes: num('orig_ip_bytes') ?? 0, resp_pkts: num('resp_pkts') ?? 0, resp_ip_bytes: num('resp_ip_bytes') ?? 0,
    });
  }
  return out;
}

const HEADER = [
  '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tstring\tstring\tcount\tcount\tcount\tcount',
].join('\n');

/** Rows of every state and orientation case between the lab inventory's hosts and strangers. */
function mixedLog(): string {
  const cases: [string, number, string, number, string, string, string, number, number][] = [
    // orig, orig port, resp, resp port, proto, state, history, orig pkts, resp pkts
    ['10.0.0.10', 50001, '10.0.0.2', 389, 'tcp', 'SF', 'ShADadFf', 8, 6],
    ['10.0.0.10', 50002, '10.0.0.3', 3268, 'tcp', 'S0', 'S', 2, 0],
    ['10.0.0.10', 50003, '10.0.0.3', 135, 'tcp', 'REJ', 'Sr', 1, 1],
    ['10.0.0.10', 50004, '10.0.0.2', 135, 'tcp', 'RSTO', 'ShADadR', 5, 4],
    ['10.0.0.2', 389, '10.0.0.10', 50005, 'tcp', 'SH', '^hADF', 3, 0],
    ['10.0.0.2', 53, '10.0.0.10', 53001, 'udp', 'SF', '^dD', 1, 1],
    ['10.0.0.10', 53002, '10.0.0.2', 53, 'udp', 'S0', 'D', 1, 0],
    ['10.0.0.10', 50006, '10.0.0.2', 49999, 'tcp', 'OTH', 'hADad', 4, 4],
    ['10.0.0.10', 60000, '10.0.0.3', 389, 'udp', 'SF', 'Dd', 1, 1],
    ['10.0.0.10', 8, '10.0.0.2', 0, 'icmp', 'OTH', '', 1, 1],
    ['10.0.3.15', 51000, '10.0.0.10', 3389, 'tcp', 'SF', 'ShADadFf', 9, 9],
    ['10.0.3.15', 51001, '10.0.0.10', 443, 'tcp', 'SF', 'ShADadFf', 8, 8],
    ['10.0.0.10', 51002, '198.51.100.7', 443, 'tcp', 'S0', 'S', 3, 0],
    ['203.0.113.9', 40000, '198.51.100.7', 22, 'tcp', 'SF', 'ShADadFf', 8, 8],
  ];
  const lines: string[] = [HEADER];
  let t = 1772442000;
  for (let rep = 0; rep < 3; rep++) {
    for (const [o, op, r, rp, p, st, h, opk, rpk] of cases) {
      t += 1.25;
      lines.push([t.toFixed(6), `M${lines.length}`, o, rep === 0 ? op : op + rep * 7, r, rp, p, '0.500000', st, h || '-', opk, opk * 60, rpk, rpk * 60].join('\t'));
    }
  }
  return `${lines.join('\n')}\n`;
}

async function load(s: TestServer, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (const shard of ['shard1', 'shard2']) await s.sql(`CREATE TABLE ${shard}.${table} (${COLUMNS}) ENGINE = MergeTree ORDER BY id_orig_h`);
  await s.sql(`CREATE TABLE flows.${table} AS shard1.${table} ENGINE = Distributed(two_shards, '', ${table}, rand())`);
  for (const [k, shard] of ['shard1', 'shard2'].entries()) {
    const part = rows.filter((_, i) => i % 2 === k);
    if (part.length > 0) await s.sql(`INSERT INTO ${shard}.${table} FORMAT JSONEachRow`, part.map((r) => JSON.stringify(r)).join('\n'));
  }
}

interface Rep {
  code?: number;
  verdict: string;
  rules: { id: string; status: string }[];
  unexpected: Record<string, unknown>[];
  inputs: { format: string; records?: { query?: { tuples: number; rows: number; serverVersion: string; tuplesSha256: string; sql: string } } }[];
}

async function audit(input: string, extra: string[] = []): Promise<Rep> {
  const r = await runCli(['audit', input, '--inventory', INV, '--format', 'json', '--exit-zero', ...extra]);
  expect(r.stderr).toBe('');
  expect([0, 3]).toContain(r.code); // 3: inconclusive (e.g. the corpus log's masked times), compared below
  return { ...(JSON.parse(r.stdout) as Rep), code: r.code };
}

/** What must match: verdict, every rule's status, and the unexpected groups. */
function conclusions(r: Rep): unknown {
  const group = (u: Record<string, unknown>): unknown => {
    const { firstSeen, lastSeen, connectionIds, examples, ...rest } = u as Record<string, unknown>;
    void firstSeen; void lastSeen; void connectionIds; void examples;
    return rest;
  };
  return { code: r.code, verdict: r.verdict, rules: r.rules.map((x) => [x.id, x.status]), unexpected: r.unexpected.map(group) };
}

const skipReason = !HAVE ? 'clickhouse-server not installed (apt-get install clickhouse-server)' : sharedMissing(CORPUS_LOG_PART);
describe.skipIf(skipReason !== null && !REQUIRE_ENGINES)(`ClickHouse push-down against the real server${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let s: TestServer;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    expect(skipReason).toBeNull();
    s = await startClickhouse();
    await s.sql('CREATE DATABASE shard1');
    await s.sql('CREATE DATABASE shard2');
    await s.sql('CREATE DATABASE flows');
    files.corpus = join(tmp, 'corpus.conn.log');
    copyFileSync(CORPUS_LOG, files.corpus); // alone in its folder: no ssl.log / dns.log companions
    files.generated = join(tmp, 'generated.conn.log');
    execFileSync(process.execPath, ['--import', 'tsx', 'test/bench/make_conn_log.ts', files.generated, '3000'], { stdio: 'ignore', timeout: 60_000 });
    files.mixed = join(tmp, 'mixed.conn.log');
    writeFileSync(files.mixed, mixedLog());
    for (const [name, path] of Object.entries(files)) await load(s, name, zeekRows(readFileSync(path, 'utf8')));
  }, 90_000);

  afterAll(async () => {
    await s?.stop();
  }, 30_000);

  it.each([
    ['corpus', ['--scope', 'all']],
    ['generated', []],
    ['mixed', []],
    ['mixed', ['--scope', 'all']],
  ])('%s %j: the Distributed table audit equals the file audit', async (name, extra) => {
    const file = await audit(files[name]!, extra);
    const pushed = await audit(`clickhouse://127.0.0.1:${s.http}/flows.${name}`, extra);
    expect(conclusions(pushed)).toEqual(conclusions(file));
    const q = pushed.inputs[0]!.records!.query!;
    expect(pushed.inputs[0]!.format).toBe('clickhouse');
    expect(q.serverVersion).toMatch(/^\d+\.\d+/);
    expect(q.tuplesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(q.tuples).toBeGreaterThan(0);
    expect(q.tuples).toBeLessThanOrEqual(q.rows);
  }, 60_000);

  it('the generated log is aggregated in ClickHouse: far fewer tuples than rows', async () => {
    const r = await audit(`clickhouse://127.0.0.1:${s.http}/flows.generated`);
    const q = r.inputs[0]!.records!.query!;
    expect(q.rows).toBe(3000);
    expect(q.tuples).toBeLessThan(q.rows / 10);
  }, 60_000);

  it('the text report gives the query its own line (source, server version, rows, tuples, sha256, SQL), not a warning', async () => {
    const r = await runCli(['audit', `clickhouse://127.0.0.1:${s.http}/flows.generated`, '--inventory', INV, '--exit-zero']);
    expect(r.stdout).toMatch(/^ {4}query: clickhouse:\/\/127\.0\.0\.1:\d+\/flows\.generated, ClickHouse server \d+\.\d+[\d.]*, \d+ rows in \d+ tuples, tuples sha256 [0-9a-f]{64}; SQL: SELECT /m);
    expect(r.stdout).not.toMatch(/warning: .*query/);
  }, 60_000);

  it('--since/--until narrow the window in the query', async () => {
    const all = (await audit(`clickhouse://127.0.0.1:${s.http}/flows.generated`)).inputs[0]!.records!.query!;
    const some = (await audit(`clickhouse://127.0.0.1:${s.http}/flows.generated`, ['--since', '1772442000', '--until', '2026-03-02T09:01:00Z'])).inputs[0]!.records!.query!;
    expect(some.rows).toBeLessThan(all.rows);
    const until = Date.parse('2026-03-02T09:01:00Z') / 1000;
    const inWindow = zeekRows(readFileSync(files.generated!, 'utf8')).filter((r) => (r.ts as number) >= 1772442000 && (r.ts as number) < until);
    expect(some.rows).toBe(inWindow.length);
  }, 60_000);

  it('--columns maps another schema (Akvorado-like: one-way flows, no state): audited, TCP state reported unavailable', async () => {
    await s.sql('CREATE TABLE flows.akvorado (TimeReceived DateTime, SrcAddr String, DstAddr String, SrcPort UInt16, DstPort UInt16, Proto UInt8, Packets UInt64, Bytes UInt64) ENGINE = MergeTree ORDER BY TimeReceived');
    await s.sql(
      'INSERT INTO flows.akvorado FORMAT JSONEachRow',
      [
        { TimeReceived: '2026-03-02 09:00:00', SrcAddr: '10.0.0.10', DstAddr: '10.0.0.2', SrcPort: 50001, DstPort: 389, Proto: 6, Packets: 8, Bytes: 900 },
        { TimeReceived: '2026-03-02 09:00:01', SrcAddr: '10.0.0.10', DstAddr: '10.0.0.2', SrcPort: 50002, DstPort: 389, Proto: 6, Packets: 6, Bytes: 700 },
      ].map((r) => JSON.stringify(r)).join('\n'),
    );
    const cols = join(tmp, 'akvorado.columns.json');
    writeFileSync(cols, JSON.stringify({ ts: 'TimeReceived', duration: null, id_orig_h: 'SrcAddr', id_orig_p: 'SrcPort', id_resp_h: 'DstAddr', id_resp_p: 'DstPort', proto: 'Proto', conn_state: null, history: null, orig_pkts: 'Packets', resp_pkts: null, orig_ip_bytes: 'Bytes', resp_ip_bytes: null }));
    const r = await audit(`clickhouse://127.0.0.1:${s.http}/flows.akvorado`, ['--columns', cols]);
    const input = r.inputs[0]! as Rep['inputs'][0] & { records: { unavailable: string[]; connections: number } };
    expect(input.records.unavailable).toContain('tcp-state');
    expect(input.records.connections).toBe(2);
    expect(input.records.query!.tuples).toBe(1);
    const bad = await runCli(['audit', `clickhouse://127.0.0.1:${s.http}/flows.akvorado`, '--inventory', INV, '--columns', cols.replace('.json', '.missing.json')]);
    expect(bad.code).toBe(2);
  }, 60_000);

  it('verify re-runs the recorded query: verified while the data is the same, CHANGED after a row is added', async () => {
    await load(s, 'verified', zeekRows(mixedLog()));
    const out = join(tmp, 'verified.report.json');
    const a = await runCli(['audit', `clickhouse://127.0.0.1:${s.http}/flows.verified`, '--inventory', INV, '--format', 'json', '-o', out, '--exit-zero']);
    expect(a.code).toBe(0);
    writeFileSync(out, a.files.get(out)!);
    const ok = await runCli(['verify', out]);
    expect(ok.stdout).toContain('query re-run: the same');
    expect(ok.code).toBe(0);
    await s.sql(`INSERT INTO shard2.verified FORMAT JSONEachRow`, JSON.stringify(zeekRows(mixedLog())[0]));
    const changed = await runCli(['verify', out]);
    expect(changed.code).not.toBe(0);
    expect(changed.stdout).toMatch(/CHANGED: clickhouse:\/\/127\.0\.0\.1:\d+\/flows\.verified query re-run returns tuples with sha256 [0-9a-f]{64} \(\d+ rows\), the report recorded [0-9a-f]{64}: the data changed since/);
  }, 60_000);

  it('a table that does not exist: one line naming the source, exit 2', async () => {
    const r = await runCli(['audit', `clickhouse://127.0.0.1:${s.http}/flows.nosuch`, '--inventory', INV]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('flows.nosuch');
  }, 60_000);
});
