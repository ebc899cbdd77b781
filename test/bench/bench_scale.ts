/**
 * The bench's scale sections (issue 19): flow logs at disk speed in bounded memory, and packet
 * floods of every shape in bounded memory. Each returns its BENCHMARKS.md lines and its target lines.
 *
 *  - conn.log: a Zeek conn.log of N rows (../shared/bench/make-conn-log.py when present, else
 *    test/bench/make_conn_log.ts), audited by flowaudit, interleaved with
 *    `awk -F'\t' '!/^#/{k[$3" "$5" "$6" "$7]++}'`, `sha256sum` and flowaudit with its parse on one
 *    thread on the same file; the CPU time of one more flowaudit and awk run; a 10M-row log for peak RSS.
 *  - floods: 1M packets of each shape (flood_shapes.ts) against the 1M-packet AMS capture, interleaved.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type FloodShape, generateFlood } from './flood_shapes.js';

export interface Run {
  ms: number;
  rssMB: number;
  code: number;
}
export type Cmd = [string, string[]];

export interface BenchKit {
  root: string;
  dir: string;
  cli: string;
  ensure(name: string, make: (p: string) => object): string;
  measure(cmd: Cmd): Promise<Run>;
  rounds(n: number, cmds: Record<string, Cmd | null>, label: string): Promise<Record<string, Run>[]>;
}

export interface Section {
  lines: string[];
  targets: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ratio = (rs: Record<string, Run>[], a: string, b: string): number => median(rs.map((r) => r[a]!.ms / r[b]!.ms));
const med = (rs: Record<string, Run>[], k: string): number => median(rs.map((r) => r[k]!.ms));
const maxRss = (rs: Record<string, Run>[], k: string): number => Math.max(...rs.map((r) => r[k]!.rssMB));
const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const s = (ms: number): string => `${f(ms / 1000, 2)} s`;
const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');

/** A conn.log of `rows` rows, made once (kept in .bench/). */
export function connLog(kit: BenchKit, rows: number): string {
  const py = join(kit.root, '..', 'shared', 'bench', 'make-conn-log.py');
  return kit.ensure(`conn-${rows}.log`, (p) => {
    const r = existsSync(py)
      ? spawnSync('python3', [py, String(rows), p], { stdio: 'inherit' })
      : spawnSync(process.execPath, [join(kit.root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(kit.root, 'test', 'bench', 'make_conn_log.ts'), p, String(rows)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`could not generate ${p}`);
    return { rows, generator: existsSync(py) ? '../shared/bench/make-conn-log.py' : 'test/bench/make_conn_log.ts' };
  });
}

const AWK = `!/^#/{k[$3" "$5" "$6" "$7]++}`;

function auditCmd(kit: BenchKit, file: string, inventory: string, out: string): Cmd {
  return [process.execPath, [kit.cli, 'audit', file, '--inventory', inventory, '--format', 'json', '--output', out, '--exit-zero']];
}

/** `wall s, CPU s` of one run of `cmd` (GNU time), or n/a: on a shared machine the CPU time says what the wall time cannot. */
function cpuTime(cmd: Cmd): string {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', cmd[0], ...cmd[1]], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const m = /([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return m ? `${f(Number(m[2]) + Number(m[3]), 2)} s CPU in ${m[1]} s` : 'n/a';
}

/** Flow logs: 1M rows against awk and sha256sum (time, RSS), 10M rows for RSS. */
export async function connLogSection(kit: BenchKit, rows: number, bigRows: number, roundsN: number, inventory: string): Promise<Section> {
  const file = connLog(kit, rows);
  const out = join(kit.dir, 'conn-audit.json');
  // The same audit on one thread (the parallel conn.log reader's threshold past the file), to show what the second thread gives.
  const [node, args] = auditCmd(kit, file, inventory, join(kit.dir, 'conn-audit-1.json'));
  const oneThread: Cmd = ['env', ['FLOWAUDIT_CONNLOG_PARALLEL_MIN=1000000000000000', node, ...args]];
  const rs = await kit.rounds(roundsN, { flowaudit: auditCmd(kit, file, inventory, out), 'one thread': oneThread, awk: ['awk', ['-F', '\t', AWK, file]], sha256sum: ['sha256sum', [file]] }, `conn.log ${rows}`);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { verdict: string; summary: { connections: number; unexpected: number }; inputs: { sha256: string; records?: { lines: number; malformed: number } }[] };
  const timing = spawnSync(auditCmd(kit, file, inventory, out)[0], auditCmd(kit, file, inventory, out)[1], { encoding: 'utf8', env: { ...process.env, FLOWAUDIT_TIMING: '1' } });
  const phases = /timing: (.*)$/m.exec(timing.stderr)?.[1]?.trim() ?? 'n/a';
  const rAwk = ratio(rs, 'flowaudit', 'awk');
  const cpu = { flowaudit: cpuTime(auditCmd(kit, file, inventory, out)), awk: cpuTime(['awk', ['-F', '\t', AWK, file]]) };
  const rss = maxRss(rs, 'flowaudit');
  let big: Run | null = null;
  let bigFile = '';
  if (bigRows > 0) {
    bigFile = connLog(kit, bigRows);
    big = await kit.measure(auditCmd(kit, bigFile, inventory, join(kit.dir, 'conn-big-audit.json')));
    console.log(`conn.log ${bigRows}: ${s(big.ms)}, ${f(big.rssMB, 0)} MB`);
  }
  const lines = [
    `## Flow logs: a Zeek conn.log of ${rows.toLocaleString('en')} rows (${f(statSync(file).size / 1e6, 0)} MB)`,
    '',
    `Audited: ${j.summary.connections.toLocaleString('en')} connections, ${j.summary.unexpected} unexpected flows, verdict ${j.verdict}, ${j.inputs[0]?.records?.malformed ?? 0} malformed lines; the input's SHA-256 from the same read (${j.inputs[0]?.sha256?.slice(0, 16)}…).`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| flowaudit audit, median | ${s(med(rs, 'flowaudit'))} (${f(rows / (med(rs, 'flowaudit') / 1000) / 1e6, 2)} M rows/s) | |`,
    `| \`awk -F'\\t' '${AWK}'\`, median | ${s(med(rs, 'awk'))} | |`,
    `| \`sha256sum\`, median | ${s(med(rs, 'sha256sum'))} | |`,
    `| flowaudit ÷ awk | ${f(rAwk, 2)}× | ≤ 2× |`,
    `| flowaudit with the parse on one thread (\`FLOWAUDIT_CONNLOG_PARALLEL_MIN\` past the file), median; ÷ awk | ${s(med(rs, 'one thread'))}; ${f(ratio(rs, 'one thread', 'awk'), 2)}× | |`,
    `| flowaudit ÷ sha256sum | ${f(ratio(rs, 'flowaudit', 'sha256sum'), 2)}× | |`,
    `| peak RSS flowaudit / awk | ${f(rss, 0)} MB / ${f(maxRss(rs, 'awk'), 0)} MB | ≤ 200 MB |`,
    `| CPU time (user + system, all threads) of one more run: flowaudit / awk | ${cpu.flowaudit} / ${cpu.awk} | |`,
    `| where one flowaudit run's time went (FLOWAUDIT_TIMING=1) | ${phases} | |`,
    ...(big ? [`| ${bigRows.toLocaleString('en')} rows (${f(statSync(bigFile).size / 1e6, 0)} MB): time, peak RSS | ${s(big.ms)}, ${f(big.rssMB, 0)} MB | ≤ 200 MB |`] : []),
    '',
    '| round | flowaudit | one thread | awk | sha256sum |',
    '|---|---|---|---|---|',
    ...rs.map((r, i) => `| ${i + 1} | ${s(r.flowaudit!.ms)} | ${s(r['one thread']!.ms)} | ${s(r.awk!.ms)} | ${s(r.sha256sum!.ms)} |`),
    '',
  ];
  const targets = [
    `- conn.log of ${rows.toLocaleString('en')} rows ≤ 2× awk: ${met(rAwk <= 2)} (${f(rAwk, 2)}×); ≤ 200 MB peak RSS: ${met(rss <= 200)} (${f(rss, 0)} MB).`,
    ...(big ? [`- conn.log of ${bigRows.toLocaleString('en')} rows ≤ 200 MB peak RSS: ${met(big.rssMB <= 200)} (${f(big.rssMB, 0)} MB).`] : []),
  ];
  return { lines, targets };
}

const SHAPES: { shape: FloodShape; text: string }[] = [
  { shape: 'many-sources', text: 'TCP SYNs from about 3,900 sources (256 ports each) to one port' },
  { shape: 'spoofed', text: 'TCP SYNs, each from its own (spoofed) source address, to one port' },
  { shape: 'udp-ports', text: 'UDP datagrams from random sources to random ports of one server' },
];

/** Floods of every shape (1M packets each) against the normal 1M-packet capture. */
export async function floodSection(kit: BenchKit, packets: number, normal: string, roundsN: number, inventory: string): Promise<Section> {
  const files: Record<string, Cmd> = { normal: auditCmd(kit, normal, inventory, join(kit.dir, 'flood-normal.json')) };
  for (const x of SHAPES) {
    const file = kit.ensure(`flood-${x.shape}-${packets}.pcap`, (p) => generateFlood(p, packets, x.shape));
    files[x.shape] = auditCmd(kit, file, inventory, join(kit.dir, `flood-${x.shape}.json`));
  }
  const rs = await kit.rounds(roundsN, files, `floods ${packets}`);
  const lines = [
    `## Floods: ${packets.toLocaleString('en')} packets of each shape, against the normal ${packets.toLocaleString('en')}-packet capture`,
    '',
    'While reading, one-packet attempts (a SYN, a datagram, nothing back) from non-inventory sources fold out of the connection table beyond',
    'its budget of 65,536 live connections; in the audit, unanswered unexpected connections beyond 1,000 listed flows per target (2,000 in all)',
    'fold too. Both end in one entry per target (server, protocol, port; or server over many ports) with exact counts and a HyperLogLog',
    'estimate of distinct sources (docs/scale.md).',
    '',
    '| shape | time, median | ÷ normal capture (target ≤ 2×) | peak RSS (target ≤ 200 MB) | exit | listed flows / folded entries: connections, estimated sources |',
    '|---|---|---|---|---|---|',
    `| normal AMS capture | ${s(med(rs, 'normal'))} | 1 | ${f(maxRss(rs, 'normal'), 0)} MB | ${rs[0]!.normal!.code} | |`,
  ];
  const targets: string[] = [];
  for (const x of SHAPES) {
    const k = x.shape;
    const j = JSON.parse(readFileSync(join(kit.dir, `flood-${k}.json`), 'utf8')) as { unexpected: unknown[]; floods?: { connections: number; distinctClients: number }[]; scans?: unknown[] };
    const folded = (j.floods ?? []).map((fl) => `${fl.connections.toLocaleString('en')}, ~${fl.distinctClients.toLocaleString('en')}`).slice(0, 2).join('; ');
    const r = ratio(rs, k, 'normal');
    const rss = maxRss(rs, k);
    const crashed = rs.some((x2) => x2[k]!.code > 1);
    lines.push(`| ${x.text} | ${s(med(rs, k))} | ${f(r, 2)}× | ${f(rss, 0)} MB | ${crashed ? 'crashed' : rs[0]![k]!.code} | ${j.unexpected.length} / ${(j.floods ?? []).length}${folded ? `: ${folded}${(j.floods ?? []).length > 2 ? '; …' : ''}` : ''}${j.scans?.length ? `; ${j.scans.length} scan finding(s)` : ''} |`);
    targets.push(`- Flood (${k}) ≤ 200 MB peak RSS and no crash: ${met(rss <= 200 && !crashed)} (${f(rss, 0)} MB); within 2× of a normal capture: ${met(r <= 2)} (${f(r, 2)}×).`);
  }
  lines.push('');
  return { lines, targets };
}
