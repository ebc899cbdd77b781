/**
 * The bench's watch section (issue 22): `flowaudit watch --once` replays a time-compressed week of
 * a Zeek conn.log (N rows spanning 7 days: AMS server → DCs, web users and agents → AMS, agents
 * quiet for two hours on day 3, unexpected RDP from thousands of unlisted clients, an unanswered
 * port sweep) with hourly rolling reports, and its peak RSS is measured: watch keeps aggregates,
 * never connections, so a week must fit in 200 MB.
 *
 * Run alone (it replaces its own section and target line in BENCHMARKS.md, between markers):
 *   npm run build && npx tsx test/bench/bench_watch.ts [--rows 3000000]
 * `npm run bench` calls watchSection() too (--watch-rows N, 0 skips).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_GROUPS, PORTS_PER_PAIR } from '../../src/watch/unexpected_watch.js';
import type { Section } from './bench_scale.js';
import { writeBenchInventory } from './generate.js';

export const WATCH_BEGIN = '<!-- watch section: written by test/bench/bench_watch.ts -->';
export const WATCH_END = '<!-- end of watch section -->';
const WEEK_S = 7 * 86400;
const T0 = Date.UTC(2026, 2, 2, 0, 0, 0) / 1000;
const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-03-02-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');

/** The week's rows, written in order of time (streamed; a few MB in memory at most). */
export async function writeWeek(path: string, rows: number): Promise<void> {
  const w = createWriteStream(path);
  w.write(`${HEADER}\n`);
  const step = WEEK_S / rows;
  const quietFrom = T0 + 2 * 86400 + 10 * 3600;
  const quietTo = quietFrom + 2 * 3600;
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const ts = T0 + i * step;
    const k = i % 10;
    const sport = 49152 + (i % 16000);
    let orig: string;
    let resp: string;
    let port: number;
    let answered = true;
    if (k < 3) [orig, resp, port] = ['10.0.0.10', `10.0.0.${2 + (i % 3)}`, [389, 88, 135, 3268][i % 4]!];
    else if (k < 6) [orig, resp, port] = [`10.${(i >> 8) & 255}.${i & 255}.${(i >> 16) & 255}`, '10.0.0.10', 443];
    else if (k < 8) {
      if (ts >= quietFrom && ts < quietTo) [orig, resp, port] = ['10.0.0.10', '10.0.0.2', 389];
      else [orig, resp, port] = [`10.0.${16 + ((i >> 4) & 15)}.${i & 255}`, '10.0.0.2', 389];
    } else if (k < 9) [orig, resp, port] = [`172.16.${(i >> 8) & 255}.${i & 255}`, '10.0.0.2', 3389];
    else {
      [orig, resp, port] = ['192.168.7.7', '10.0.0.10', 1 + (i % 65535)];
      answered = false;
    }
    const [state, hist, op, rp, rb] = answered ? ['SF', 'ShADadFf', 7, 6, 4632] : ['S0', 'S', 1, 0, 0];
    buf += `${ts.toFixed(6)}\tC${i.toString(36)}\t${orig}\t${sport}\t${resp}\t${port}\ttcp\t-\t0.120000\t517\t4312\t${state}\tT\tT\t0\t${hist}\t${op}\t889\t${rp}\t${rb}\t-\n`;
    if (buf.length > 1 << 20) {
      if (!w.write(buf)) await new Promise<void>((r) => w.once('drain', () => r()));
      buf = '';
    }
  }
  w.write(buf);
  await new Promise<void>((r) => w.end(r));
}

interface WatchRun {
  ms: number;
  rssMB: number;
  code: number;
  stderr: string;
}

function run(cmd: string, args: string[], timeOut: string): Promise<WatchRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeOut, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const kb = Number(/(\d+)\s*$/.exec(readFileSync(timeOut, 'utf8'))?.[1] ?? 0);
      resolve({ ms: performance.now() - t0, rssMB: kb / 1024, code: code ?? -1, stderr });
    });
  });
}

export async function watchSection(o: { root: string; dir: string; cli: string; inventory: string }, rows: number): Promise<Section> {
  const log = join(o.dir, `watch-week-${rows}`, 'conn.log');
  if (!existsSync(log)) {
    mkdirSync(join(log, '..'), { recursive: true });
    await writeWeek(log, rows);
  }
  const work = join(o.dir, 'watch-run');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const reports = join(work, 'reports');
  const events = join(work, 'events.ndjson');
  const r = await run(process.execPath, [o.cli, 'watch', join(log, '..'), '--once', '--inventory', o.inventory, '--report-dir', reports, '--report-every', '1h', '--output', events], join(work, 'time.txt'));
  if (r.code !== 0) throw new Error(`watch exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const evs = readFileSync(events, 'utf8').split('\n').filter(Boolean);
  const byAction = new Map<string, number>();
  for (const l of evs) {
    const a = (JSON.parse(l) as { event: { action: string } }).event.action;
    byAction.set(a, (byAction.get(a) ?? 0) + 1);
  }
  const reportsWritten = readdirSync(reports).filter((f) => f.endsWith('.json')).length;
  const mb = statSync(log).size / 1e6;
  const met = r.rssMB <= 200;
  const lines = [
    WATCH_BEGIN,
    '',
    `## Watch: a time-compressed week of conn.log (${rows.toLocaleString('en')} rows, ${mb.toFixed(0)} MB, 7 days of log time)`,
    '',
    `\`flowaudit watch DIR --once --report-dir R --report-every 1h\` (test/bench/bench_watch.ts, measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC): the whole week followed, judged and reported hour by hour.`,
    '',
    '| | value |',
    '|---|---|',
    `| peak RSS (GNU time maxrss) | ${r.rssMB.toFixed(0)} MB |`,
    `| wall time | ${(r.ms / 1000).toFixed(1)} s (${((rows / r.ms) * 1000).toFixed(0)} rows/s, hourly reports included) |`,
    `| hourly reports written (json, each with its kept rows) | ${reportsWritten} |`,
    `| events | ${evs.length}: ${[...byAction].map(([a, n]) => `${a} ${n}`).join(', ')} |`,
    '',
    `The unexpected RDP comes from 1 in 10 rows, each from its own unlisted client (up to 65,536 distinct groups): the group budget (${MAX_GROUPS.toLocaleString('en')}) folds the rest per server and port. The port sweep (one unanswered row per port from one client) folds after ${PORTS_PER_PAIR} ports. Peak RSS counts the whole process (Node alone is about 46 MB, 38 MB of it the node binary's pages); a full collection is asked for when the heap in use passes 40 MB and between the steps of each report, and the young generation stops at 8 MB (src/watch/heap_budget.ts, docs/watch.md Memory).`,
    '',
    WATCH_END,
  ];
  return { lines, targets: [`- Watch: a week of conn.log (${rows.toLocaleString('en')} rows) ≤ 200 MB peak RSS: ${met ? '**met**' : '**not met**'} (${r.rssMB.toFixed(0)} MB).`] };
}

/** Alone: measure and put the section (and its target line) into BENCHMARKS.md. */
async function alone(): Promise<void> {
  const root = new URL('../..', import.meta.url).pathname;
  const dir = join(root, '.bench');
  mkdirSync(dir, { recursive: true });
  const i = process.argv.indexOf('--rows');
  const rows = i > 0 ? Number(process.argv[i + 1]) : 3_000_000;
  const inventory = writeBenchInventory(join(dir, 'watch-inventory.json'));

  const sec = await watchSection({ root, dir, cli: join(root, 'bin', 'flowaudit.js'), inventory }, rows);
  const path = join(root, 'BENCHMARKS.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n## Targets\n';
  const a = text.indexOf(WATCH_BEGIN);
  const b = text.indexOf(WATCH_END);
  if (a >= 0 && b > a) text = text.slice(0, a) + text.slice(b + WATCH_END.length).replace(/^\n+/, '');
  text = text.replace(/^- Watch: .*\n/gm, '');
  const block = sec.lines.join('\n');
  text = text.includes('## Targets') ? text.replace('## Targets', `${block}\n\n## Targets`) : `${text}\n${block}\n`;
  text = text.replace(/(## Targets\n\n(?:- .*\n)*)/, (m) => `${m}${sec.targets.join('\n')}\n`);
  writeFileSync(path, text);
  console.log([...sec.lines, '', ...sec.targets].join('\n'));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await alone();
