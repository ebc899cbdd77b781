/**
 * The bench's site-engine sections (issue 19): the audit pushed down into ClickHouse, and NetFlow
 * through nfdump. Each returns its BENCHMARKS.md lines and target lines (bench_scale.ts's Section).
 *
 *  - ClickHouse: the bench's conn.log (1M rows) loaded by `clickhouse-client` into a MergeTree table
 *    of a throw-away local clickhouse-server (test/engines/clickhouse_server.ts: 127.0.0.1 only,
 *    config in a temp dir); then, interleaved: flowaudit's push-down audit of the table,
 *    `clickhouse-client` running the same aggregation query alone (the SQL the report recorded), and
 *    flowaudit's audit of the conn.log file.
 *  - nfdump: the bench capture turned into nfcapd files by `nfpcapd` (once), then, interleaved:
 *    flowaudit's audit of those files and `nfdump -R DIR -s record` alone.
 * Both skip with the reason when the engine is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startClickhouse } from '../engines/clickhouse_server.js';
import { nfdumpArgs } from '../../src/records/nfdump.js';
import type { BenchKit, Cmd, Run, Section } from './bench_scale.js';

const have = (name: string): boolean => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const med = (rs: Record<string, Run>[], k: string): number => median(rs.map((r) => r[k]!.ms));
const ratio = (rs: Record<string, Run>[], a: string, b: string): number => median(rs.map((r) => r[a]!.ms / r[b]!.ms));
const maxRss = (rs: Record<string, Run>[], k: string): number => Math.max(...rs.map((r) => r[k]!.rssMB));
const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const s = (ms: number): string => `${f(ms / 1000, 2)} s`;

const COLUMNS =
  'ts Nullable(Float64), uid String, id_orig_h String, id_orig_p UInt16, id_resp_h String, id_resp_p UInt16, proto String, ' +
  'duration Nullable(Float64), conn_state String, history String, orig_pkts UInt64, orig_ip_bytes UInt64, resp_pkts UInt64, resp_ip_bytes UInt64';

/**
 * An awk program turning a Zeek conn.log (columns as its #fields say) into TabSeparated rows for
 * COLUMNS: unset times → \N, unset text → '', unset counts → 0.
 */
function tsvProgram(connLog: string): string {
  const head = readFileSync(connLog, { encoding: 'utf8', flag: 'r' }).slice(0, 4096);
  const fields = /^#fields\t(.*)$/m.exec(head)?.[1]?.split('\t') ?? [];
  const col = (n: string): string => {
    const i = fields.indexOf(n);
    if (i < 0) throw new Error(`${connLog}: no ${n} column`);
    return `$${i + 1}`;
  };
  const t = (n: string): string => `(${col(n)}=="-"?"\\\\N":${col(n)})`;
  const x = (n: string): string => `(${col(n)}=="-"?"":${col(n)})`;
  const c = (n: string): string => `(${col(n)}=="-"?0:${col(n)})`;
  const out = [t('ts'), x('uid'), col('id.orig_h'), c('id.orig_p'), col('id.resp_h'), c('id.resp_p'), col('proto'), t('duration'), x('conn_state'), x('history'), c('orig_pkts'), c('orig_ip_bytes'), c('resp_pkts'), c('resp_ip_bytes')];
  return `BEGIN{OFS="\\t"} !/^#/{print ${out.join(', ')}}`;
}

/** The push-down audit of the conn.log's rows in ClickHouse, against clickhouse-client alone and the file audit. */
export async function clickhouseSection(kit: BenchKit, connLog: string, rows: number, roundsN: number, inventory: string): Promise<Section> {
  const title = `## ClickHouse: the audit pushed down, ${rows.toLocaleString('en')} conn.log rows`;
  if (!have('clickhouse-server') || !have('clickhouse-client')) return { lines: [title, '', 'Skipped: clickhouse-server / clickhouse-client not installed (apt-get install clickhouse-server clickhouse-client).', ''], targets: [] };
  const server = await startClickhouse();
  try {
    // SQL through clickhouse-client (native protocol): the HTTP helper's kept-alive socket can be
    // closed by the server during the long load ("other side closed").
    const client = ['clickhouse-client', '--host', '127.0.0.1', '--port', String(server.tcp)];
    const sql = (q: string): string => {
      const r = spawnSync(client[0]!, [...client.slice(1), '--query', q], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`clickhouse-client: ${r.stderr.split('\n')[0]}`);
      return r.stdout;
    };
    sql('CREATE DATABASE flows');
    sql(`CREATE TABLE flows.conn (${COLUMNS}) ENGINE = MergeTree ORDER BY (id_resp_h, id_resp_p)`);
    const t0 = performance.now();
    const ins = spawnSync('sh', ['-c', `awk -F'\\t' "$1" "$2" | ${client.join(' ')} --query 'INSERT INTO flows.conn FORMAT TabSeparated'`, 'load', tsvProgram(connLog), connLog], { stdio: ['ignore', 'inherit', 'inherit'] });
    const insertMs = performance.now() - t0;
    if (ins.status !== 0) throw new Error('loading the conn.log into ClickHouse failed');
    const count = sql('SELECT count() FROM flows.conn').trim();
    const url = `clickhouse://127.0.0.1:${server.http}/flows.conn`;
    const out = join(kit.dir, 'clickhouse-audit.json');
    const fileOut = join(kit.dir, 'clickhouse-file-audit.json');
    const audit = (input: string, o: string): Cmd => [process.execPath, [kit.cli, 'audit', input, '--inventory', inventory, '--format', 'json', '--output', o, '--exit-zero']];
    // The SQL flowaudit runs, taken from its report, for clickhouse-client alone.
    const first = await kit.measure(audit(url, out));
    if (first.code > 1) throw new Error(`the push-down audit failed (exit ${first.code})`);
    type Query = { sql: string; tuples: number; rows: number; serverVersion: string };
    const q = (JSON.parse(readFileSync(out, 'utf8')) as { inputs: { records: { query: Query } }[] }).inputs[0]!.records.query;
    const rs = await kit.rounds(
      roundsN,
      { pushdown: audit(url, out), client: ['sh', ['-c', `${client.join(' ')} --query "$1" > /dev/null`, 'q', `${q.sql} FORMAT JSONEachRow`]], file: audit(connLog, fileOut) },
      `clickhouse ${rows}`,
    );
    const a = JSON.parse(readFileSync(out, 'utf8')) as { verdict: string; rules: { id: string; status: string }[]; unexpected: unknown[] };
    const b = JSON.parse(readFileSync(fileOut, 'utf8')) as typeof a;
    const statuses = (r: typeof a): string => JSON.stringify(r.rules.map((x) => [x.id, x.status]));
    const same = a.verdict === b.verdict && statuses(a) === statuses(b) && a.unexpected.length === b.unexpected.length;
    const lines = [
      title,
      '',
      `A throw-away clickhouse-server ${q.serverVersion} on 127.0.0.1 (test/engines/clickhouse_server.ts), one MergeTree table; the ${f(statSync(connLog).size / 1e6, 0)} MB conn.log loaded with \`clickhouse-client\` (awk → TabSeparated) in ${s(insertMs)}: ${count} rows. The query returned ${q.tuples.toLocaleString('en')} tuples for ${q.rows.toLocaleString('en')} rows. Push-down and file audit: ${same ? 'the same verdict, rule statuses and number of unexpected groups' : '**different conclusions** (see the JSON reports in .bench/)'} (verdict ${a.verdict}).`,
      '',
      '| measure | median | peak RSS |',
      '|---|---|---|',
      `| flowaudit audit clickhouse://…/flows.conn (push-down) | ${s(med(rs, 'pushdown'))} | ${f(maxRss(rs, 'pushdown'), 0)} MB |`,
      `| clickhouse-client, the same aggregation query alone (JSONEachRow to /dev/null) | ${s(med(rs, 'client'))} | ${f(maxRss(rs, 'client'), 0)} MB |`,
      `| flowaudit audit of the conn.log file | ${s(med(rs, 'file'))} | ${f(maxRss(rs, 'file'), 0)} MB |`,
      `| push-down ÷ query alone; push-down ÷ file audit | ${f(ratio(rs, 'pushdown', 'client'), 2)}×; ${f(ratio(rs, 'pushdown', 'file'), 2)}× | |`,
      '',
      '| round | push-down | query alone | file audit |',
      '|---|---|---|---|',
      ...rs.map((r, i) => `| ${i + 1} | ${s(r.pushdown!.ms)} | ${s(r.client!.ms)} | ${s(r.file!.ms)} |`),
      '',
    ];
    const targets = [`- ClickHouse push-down of ${rows.toLocaleString('en')} rows (no target set by the issue): ${s(med(rs, 'pushdown'))}, ${f(ratio(rs, 'pushdown', 'client'), 2)}× the query alone, ${f(ratio(rs, 'pushdown', 'file'), 2)}× the file audit; same conclusions as the file audit: ${same ? '**met**' : '**not met**'}.`];
    return { lines, targets };
  } finally {
    await server.stop();
  }
}

/** The nfdump audit of nfcapd files made from the bench capture, against nfdump alone. */
export async function nfdumpSection(kit: BenchKit, capture: string, roundsN: number, inventory: string): Promise<Section> {
  const title = '## NetFlow: nfcapd files from the bench capture, through nfdump';
  if (!have('nfdump') || !have('nfpcapd')) return { lines: [title, '', 'Skipped: nfdump / nfpcapd not installed (apt-get install nfdump).', ''], targets: [] };
  const dir = join(kit.dir, `nfcapd-${capture.split('/').pop()}`);
  if (!existsSync(join(dir, '.done'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const r = spawnSync('nfpcapd', ['-r', capture, '-w', dir], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`nfpcapd could not convert ${capture}`);
    spawnSync('touch', [join(dir, '.done')]);
  }
  const files = readdirSync(dir).filter((n) => n.startsWith('nfcapd.')).map((n) => join(dir, n));
  const bytes = files.reduce((n, p) => n + statSync(p).size, 0);
  const out = join(kit.dir, 'nfdump-audit.json');
  const rs = await kit.rounds(
    roundsN,
    {
      flowaudit: [process.execPath, [kit.cli, 'audit', ...files, '--inventory', inventory, '--format', 'json', '--output', out, '--exit-zero']],
      // nfdump alone: its record statistics, and the very command flowaudit runs (its output to /dev/null).
      nfdump: ['sh', ['-c', 'for f; do nfdump -r "$f" -s record -q || exit 2; done > /dev/null', 'nf', ...files]],
      nfdumpAsRun: ['nfdump', nfdumpArgs(files[0]!)], // (the bench captures make one nfcapd file)
    },
    'nfdump',
  );
  const j = JSON.parse(readFileSync(out, 'utf8')) as { verdict: string; summary: { connections: number; packets: number } };
  const lines = [
    title,
    '',
    `\`nfpcapd -r\` turned the bench capture into ${files.length} nfcapd file${files.length === 1 ? '' : 's'} (${f(bytes / 1e6, 1)} MB); flowaudit reads them through \`nfdump -B\` (${j.summary.connections.toLocaleString('en')} connections, ${j.summary.packets.toLocaleString('en')} packets, verdict ${j.verdict}).`,
    '',
    '| measure | median | peak RSS |',
    '|---|---|---|',
    `| flowaudit audit of the nfcapd files | ${s(med(rs, 'flowaudit'))} | ${f(maxRss(rs, 'flowaudit'), 0)} MB |`,
    `| \`nfdump -r FILE -s record -q\` alone | ${s(med(rs, 'nfdump'))} | ${f(maxRss(rs, 'nfdump'), 0)} MB |`,
    `| \`nfdump ${nfdumpArgs('FILE').join(' ').replace(/\|/g, '\\|')}\` alone (what flowaudit runs) | ${s(med(rs, 'nfdumpAsRun'))} | ${f(maxRss(rs, 'nfdumpAsRun'), 0)} MB |`,
    `| flowaudit ÷ nfdump -s record alone; ÷ nfdump as flowaudit runs it | ${f(ratio(rs, 'flowaudit', 'nfdump'), 2)}×; ${f(ratio(rs, 'flowaudit', 'nfdumpAsRun'), 2)}× | |`,
    '',
  ];
  return { lines, targets: [`- NetFlow through nfdump (no target set by the issue): ${s(med(rs, 'flowaudit'))}, ${f(ratio(rs, 'flowaudit', 'nfdump'), 2)}× \`nfdump -s record\` alone, ${f(ratio(rs, 'flowaudit', 'nfdumpAsRun'), 2)}× nfdump as flowaudit runs it.`] };
}
