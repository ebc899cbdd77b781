/**
 * `npm run bench`: speed and memory of flowaudit, measured side by side with its peers in one run,
 * and written to BENCHMARKS.md with each target said met or not.
 *
 *  1. 1M packets (AMS mix): flowaudit audit, the evidence floor (test/bench/floor.mjs: one read,
 *     a worker hashing each chunk while the main thread walks it into a typed-array table),
 *     nfpcapd + nfdump and tshark `-z conv,tcp -z conv,udp` when installed; interleaved rounds,
 *     the order rotating each round; ratios are medians of per-round ratios.
 *  2. Fixed cost: `flowaudit audit` of the bundled lab against `node -e 0`, interleaved.
 *  3. 10M packets: flowaudit against the floor, interleaved; peak RSS.
 *  4. Flood: a SYN scan of 1M unique half-open connections through `audit` (and through `live`,
 *     fed by a stand-in capture program when `live --engine tcpdump` exists); peak RSS and the
 *     scan finding.
 * Peak RSS is the kernel's maxrss of the process (GNU time), worker threads included.
 *  5. Scale (bench_scale.ts): a Zeek conn.log of 1M rows against awk and sha256sum, 10M rows for
 *     peak RSS; 1M-packet floods of three shapes against the normal 1M-packet capture.
 *  6. Watch (bench_watch.ts): `flowaudit watch --once` over a time-compressed week of conn.log with
 *     hourly reports; peak RSS (run alone: npx tsx test/bench/bench_watch.ts).
 * Options: --watch-rows N (0 skips), --packets N, --big N (0 skips), --flood N (0 skips), --rounds N, --big-rounds N, --fixed-rounds N,
 * --conn-log N, --conn-log-big N, --floods N (0 skips each), --scale-rounds N, and --only-scale: run
 * only part 5 and replace its sections in BENCHMARKS.md (between the scale markers), keeping the rest;
 * --clickhouse N (conn.log rows loaded into a local clickhouse-server, 0 skips) and --nfdump 0|1:
 * the site-engine sections of part 5 (bench_engines.ts);
 * --only-packets: run only part 1 (--no-tshark leaves tshark out, its rounds take most of the time)
 * and replace its section and its target lines in BENCHMARKS.md, keeping the rest.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { clickhouseSection, nfdumpSection } from './bench_engines.js';
import { type BenchKit, connLog, connLogSection, floodSection, type Section } from './bench_scale.js';
import { generateAmsMix, generateSynScan, writeBenchInventory } from './generate.js';
import { watchSection } from './bench_watch.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = join(root, '.bench');
mkdirSync(dir, { recursive: true });

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const PACKETS = arg('packets', 1_000_000);
const BIG = arg('big', 10_000_000);
const FLOOD = arg('flood', 1_000_000);
const ROUNDS = arg('rounds', 5);
const BIG_ROUNDS = arg('big-rounds', 3);
const FIXED_ROUNDS = arg('fixed-rounds', 10);
const CONN_LOG = arg('conn-log', 1_000_000);
const CONN_LOG_BIG = arg('conn-log-big', 10_000_000);
const FLOODS = arg('floods', 1_000_000);
const SCALE_ROUNDS = arg('scale-rounds', 3);
const CLICKHOUSE = arg('clickhouse', CONN_LOG);
const NFDUMP = arg('nfdump', 1);
const ONLY_SCALE = process.argv.includes('--only-scale');
const WATCH_ROWS = arg('watch-rows', 3_000_000);
const ONLY_PACKETS = process.argv.includes('--only-packets');
const NO_TSHARK = process.argv.includes('--no-tshark');
const SCALE_BEGIN = '<!-- scale sections: written by npm run bench (bench_scale.ts) -->';
const SCALE_END = '<!-- end of scale sections -->';

interface Run {
  ms: number;
  rssMB: number;
  code: number;
}
type Cmd = [string, string[]];

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const timeOut = join(mkdtempSync(join(tmpdir(), 'flowaudit-bench-')), 'time.txt');

/** Run a command; wall time from here, peak RSS from GNU time's maxrss (else /proc polling). */
function measure([cmd, args]: Cmd, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const full: Cmd = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', timeOut, cmd, ...args]] : [cmd, args];
    const t0 = performance.now();
    const child = spawn(full[0], full[1], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr!.on('data', (d) => (err += String(d)));
    let hwmKB = 0;
    const poll = (): void => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
      } catch {
        /* exited */
      }
    };
    const timer = GNU_TIME ? null : setInterval(poll, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - t0;
      if (timer) clearInterval(timer);
      if (GNU_TIME) hwmKB = Number(/(\d+)\s*$/.exec(readFileSync(timeOut, 'utf8'))?.[1] ?? 0);
      if (code !== 0 && code !== 1) process.stderr.write(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(0, 500)}\n`);
      resolve({ ms, rssMB: hwmKB / 1024, code: code ?? -1 });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function ensure(name: string, make: (p: string) => object): string {
  const p = join(dir, name);
  const meta = `${p}.meta.json`;
  if (existsSync(p) && existsSync(meta)) return p;
  const t0 = performance.now();
  const r = make(p);
  writeFileSync(meta, JSON.stringify(r));
  console.log(`generated ${p} (${(statSync(p).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return p;
}

const inventory = writeBenchInventory(join(dir, 'inventory.json'));

const which = (name: string): string => spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
const firstLine = (cmd: string, args: string[]): string => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout || '').split('\n')[0]!.trim();
const cli = join(root, 'bin', 'flowaudit.js');
const flowaudit = (file: string, out: string): Cmd => [process.execPath, [cli, 'audit', file, '--inventory', inventory, '--format', 'json', '--output', out, '--exit-zero']];
const floor = (file: string): Cmd => [process.execPath, [join(root, 'test', 'bench', 'floor.mjs'), file]];
const tsharkPath = NO_TSHARK ? '' : which('tshark');
const tshark = (file: string): Cmd => [tsharkPath, ['-r', file, '-q', '-z', 'conv,tcp', '-z', 'conv,udp']];
const nfOk = which('nfpcapd') !== '' && which('nfdump') !== '';
const nfDir = join(tmpdir(), 'flowaudit-bench-nf');
// nfpcapd turns the pcap into NetFlow records (multi-threaded C), nfdump reads them back as
// bidirectional conversations (-b): the same job as tshark's conversation tables.
const nf = (file: string): Cmd => ['sh', ['-c', `rm -rf ${nfDir} && mkdir -p ${nfDir} && nfpcapd -r "$1" -w ${nfDir} >/dev/null 2>&1 && nfdump -R ${nfDir} -b -q >/dev/null`, 'nf', file]];
const hashScript = `const fs=require('fs');const h=require('crypto').createHash('sha256');const fd=fs.openSync(process.argv[1],'r');const b=Buffer.allocUnsafe(4<<20);let n;while((n=fs.readSync(fd,b,0,b.length,null))>0)h.update(b.subarray(0,n));h.digest('hex');`;

/**
 * CPU used by other work, in cores: the machine's busy time over one second while the bench itself
 * sleeps (/proc/stat). Sampled before and between the phases, so that the bench's own load (which
 * the load average counts) does not pass for someone else's.
 */
async function otherWork(): Promise<number> {
  const busy = (): [number, number] => {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    const total = cpu.reduce((a, b) => a + b, 0);
    return [total - idle, total];
  };
  try {
    const [b0, t0] = busy();
    await new Promise((r) => setTimeout(r, 1000));
    const [b1, t1] = busy();
    return t1 > t0 ? ((b1 - b0) / (t1 - t0)) * cpus().length : 0;
  } catch {
    return NaN; // no /proc: not Linux
  }
}
const others: number[] = [];

/** One audit with FLOWAUDIT_TIMING=1: where its time goes (start-up, policy, ingest, audit, evidence, report). */
function phases(file: string, out: string): string {
  const r = spawnSync(process.execPath, [cli, 'audit', file, '--inventory', inventory, '--format', 'json', '--output', out, '--exit-zero'], { encoding: 'utf8', env: { ...process.env, FLOWAUDIT_TIMING: '1' } });
  return /timing: (.*)$/m.exec(r.stderr)?.[1]?.trim() ?? 'n/a';
}

const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const s = (ms: number): string => `${f(ms / 1000, 2)} s`;

/** Interleaved rounds of the named commands, the order rotating each round. */
async function rounds(n: number, cmds: Record<string, Cmd | null>, label: string): Promise<Record<string, Run>[]> {
  const names = Object.keys(cmds).filter((k) => cmds[k] !== null);
  const out: Record<string, Run>[] = [];
  for (let r = 0; r < n; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]!);
    if (r % 2 === 1) order.reverse();
    const res: Record<string, Run> = {};
    for (const k of order) res[k] = await measure(cmds[k]!);
    out.push(res);
    console.log(`${label} round ${r + 1}: ${names.map((k) => `${k} ${s(res[k]!.ms)}`).join(', ')}`);
  }
  return out;
}
const ratio = (rs: Record<string, Run>[], a: string, b: string): number => median(rs.filter((r) => r[a] && r[b]).map((r) => r[a]!.ms / r[b]!.ms));
const med = (rs: Record<string, Run>[], k: string): number => median(rs.filter((r) => r[k]).map((r) => r[k]!.ms));
const maxRss = (rs: Record<string, Run>[], k: string): number => Math.max(...rs.filter((r) => r[k]).map((r) => r[k]!.rssMB));

/** Part 5: the conn.log and flood sections, between markers (so --only-scale can replace them alone). */
async function scaleSections(): Promise<Section> {
  const kit: BenchKit = { root, dir, cli, ensure, measure: (c) => measure(c), rounds };
  const parts: Section[] = [];
  if (CONN_LOG > 0) parts.push(await connLogSection(kit, CONN_LOG, CONN_LOG_BIG, SCALE_ROUNDS, inventory));
  if (CLICKHOUSE > 0) parts.push(await clickhouseSection(kit, connLog(kit, CLICKHOUSE), CLICKHOUSE, SCALE_ROUNDS, inventory));
  if (NFDUMP > 0) parts.push(await nfdumpSection(kit, ensure(`ams-mix-${PACKETS}.pcap`, (p) => generateAmsMix(p, PACKETS)), SCALE_ROUNDS, inventory));
  if (FLOODS > 0) {
    const normal = ensure(`ams-mix-${FLOODS}.pcap`, (p) => generateAmsMix(p, FLOODS));
    parts.push(await floodSection(kit, FLOODS, normal, SCALE_ROUNDS, inventory));
  }
  return { lines: [SCALE_BEGIN, ...parts.flatMap((p) => p.lines), SCALE_END], targets: parts.flatMap((p) => p.targets) };
}

/** The `## ` sections of an old scale block whose heading (up to its colon) was not written again. */
function keptSections(old: string, written: string[]): string[] {
  const key = (h: string): string => h.split(':')[0]!;
  const done = new Set(written.filter((l) => l.startsWith('## ')).map(key));
  const out: string[] = [];
  let keep = false;
  for (const l of old.split('\n')) {
    if (l.startsWith('## ')) keep = !done.has(key(l));
    if (keep) out.push(l);
  }
  return out;
}

/** Which sections below the note were not measured by this run. */
function keptNote(kept: string[]): string {
  const heads = kept.filter((l) => l.startsWith('## ')).map((l) => `"${l.slice(3).split(':')[0]}"`);
  return heads.length ? `; kept as measured by an earlier run: ${heads.join(', ')}` : '';
}

/** --only-scale: run part 5 and put its sections and targets into the existing BENCHMARKS.md. */
async function onlyScale(): Promise<void> {
  const other0 = await otherWork();
  const sec = await scaleSections();
  const other1 = await otherWork();
  const path = join(root, 'BENCHMARKS.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n## Targets\n';
  const a = text.indexOf(SCALE_BEGIN);
  const b = text.indexOf(SCALE_END);
  // Sections not run this time (e.g. --floods 0) are kept as they were, with their targets.
  let kept: string[] = [];
  if (a >= 0 && b > a) {
    kept = keptSections(text.slice(a + SCALE_BEGIN.length, b), sec.lines);
    text = text.slice(0, a) + text.slice(b + SCALE_END.length).replace(/^\n/, '');
  }
  const rerun = new Set(sec.targets.map((t) => t.split(' ').slice(0, 2).join(' ')));
  text = text.split('\n').filter((l) => !rerun.has(l.split(' ').slice(0, 2).join(' '))).join('\n');
  const note = `${SCALE_BEGIN}\n\n_Scale sections measured on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- --only-scale\` (other work while the bench slept: ${f(other0, 2)} and ${f(other1, 2)} of ${cpus().length} cores; load average ${f(loadavg()[0]!, 1)})${keptNote(kept)}._\n`;
  const block = [note, ...sec.lines.slice(1, -1), ...kept, SCALE_END].join('\n');
  text = text.includes('## Targets') ? text.replace('## Targets', `${block}\n\n## Targets`) : `${text}\n${block}\n`;
  text = text.replace(/(## Targets\n\n(?:- .*\n)*)/, (m) => `${m}${sec.targets.join('\n')}\n`);
  writeFileSync(path, text);
  console.log([...sec.lines, '', ...sec.targets].join('\n'));
}

/** Part 1: the 1M-packet capture, flowaudit side by side with the floor, nfpcapd + nfdump and tshark. */
async function packetsSection(): Promise<Section> {
  const file = ensure(`ams-mix-${PACKETS}.pcap`, (p) => generateAmsMix(p, PACKETS));
  const out = join(dir, 'audit.json');
  await measure(floor(file)); // warm the page cache
  others.push(await otherWork());
  const phases1 = phases(file, out);
  const main1 = await rounds(ROUNDS, { flowaudit: flowaudit(file, out), floor: floor(file), nf: nfOk ? nf(file) : null, tshark: tsharkPath ? tshark(file) : null }, `${PACKETS} packets`);
  if (main1.some((r) => r.flowaudit!.code > 1)) throw new Error('flowaudit failed during the benchmark');
  const audit = JSON.parse(readFileSync(out, 'utf8')) as { summary: { connections: number } };
  const hashRuns: number[] = [];
  for (let i = 0; i < 3; i++) hashRuns.push((await measure([process.execPath, ['-e', hashScript, file]])).ms);
  const hashMs = median(hashRuns);
  const faMed = med(main1, 'flowaudit');
  const rFloor = ratio(main1, 'flowaudit', 'floor');
  const rNf = nfOk ? ratio(main1, 'nf', 'flowaudit') : NaN;
  const rTs = tsharkPath ? ratio(main1, 'tshark', 'flowaudit') : NaN;
  const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
  const lines = [
    `## ${PACKETS.toLocaleString('en')} packets (${f(statSync(file).size / 1e6, 0)} MB, ${audit.summary.connections.toLocaleString('en')} connections, AMS mix)`,
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| flowaudit audit, median | ${s(faMed)} (${f(PACKETS / (faMed / 1000) / 1e6, 2)} M packets/s) | |`,
    `| evidence floor, median | ${s(med(main1, 'floor'))} | |`,
    `| flowaudit ÷ floor | ${f(rFloor, 2)}× | ≤ 1.25× |`,
    `| nfpcapd + nfdump -b, median | ${nfOk ? s(med(main1, 'nf')) : 'not installed'} | |`,
    `| nfpcapd + nfdump ÷ flowaudit | ${nfOk ? `${f(rNf, 2)}×` : 'n/a'} | ≥ 2× |`,
    `| tshark -q -z conv,tcp -z conv,udp, median | ${tsharkPath ? s(med(main1, 'tshark')) : NO_TSHARK ? 'not run (--no-tshark)' : 'not installed'} | |`,
    `| tshark ÷ flowaudit | ${tsharkPath ? `${f(rTs, 1)}×` : 'n/a'} | ≥ 17× |`,
    `| SHA-256 of the input alone (node, one thread, median of 3) | ${s(hashMs)} | |`,
    `| where one flowaudit run's time went (FLOWAUDIT_TIMING=1: process start to the audit command, then each phase) | ${phases1} | |`,
    `| peak RSS: flowaudit / floor${tsharkPath ? ' / tshark' : ''} | ${f(maxRss(main1, 'flowaudit'), 0)} MB / ${f(maxRss(main1, 'floor'), 0)} MB${tsharkPath ? ` / ${f(maxRss(main1, 'tshark'), 0)} MB` : ''} | |`,
    '',
    `| round | flowaudit | floor | nfpcapd+nfdump | tshark |`,
    '|---|---|---|---|---|',
    ...main1.map((r, i) => `| ${i + 1} | ${s(r.flowaudit!.ms)} | ${s(r.floor!.ms)} | ${r.nf ? s(r.nf.ms) : 'n/a'} | ${r.tshark ? s(r.tshark.ms) : 'n/a'} |`),
    '',
  ];
  const targets = [
    `- flowaudit ≤ 1.25× the evidence floor on ${PACKETS.toLocaleString('en')} packets: ${met(rFloor <= 1.25)} (${f(rFloor, 2)}×).`,
    `- ≥ 2× faster than nfpcapd + nfdump on ${PACKETS.toLocaleString('en')} packets: ${nfOk ? `${met(rNf >= 2)} (${f(rNf, 2)}×)` : 'not measured (nfdump not installed: `apt-get install nfdump`)'}.`,
    `- ≥ 17× faster than tshark on ${PACKETS.toLocaleString('en')} packets: ${tsharkPath ? `${met(rTs >= 17)} (${f(rTs, 1)}×)` : NO_TSHARK ? 'not measured (--no-tshark)' : 'not measured (tshark not installed)'}.`,
  ];
  return { lines, targets };
}

/**
 * --only-packets: run part 1 and put its section and target lines into the existing BENCHMARKS.md
 * (replacing the section that starts with the same heading, and the target lines it wrote).
 */
async function onlyPackets(): Promise<void> {
  const other0 = await otherWork();
  const sec = await packetsSection();
  const other1 = await otherWork();
  const path = join(root, 'BENCHMARKS.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n## Targets\n';
  const note = `_This section measured on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench -- --only-packets${NO_TSHARK ? ' --no-tshark' : ''}\` (other work while the bench slept: ${f(other0, 2)} and ${f(other1, 2)} of ${cpus().length} cores; load average ${f(loadavg()[0]!, 1)})._`;
  const block = [sec.lines[0]!, '', note, ...sec.lines.slice(1)].join('\n');
  const a = text.indexOf(sec.lines[0]!.replace(/\(.*$/, '('));
  const b = a < 0 ? -1 : text.indexOf('\n## ', a + 1);
  if (a >= 0 && b > a) text = `${text.slice(0, a)}${block}${text.slice(b)}`;
  else text = text.includes('## Targets') ? text.replace('## Targets', `${block}\n## Targets`) : `${text}\n${block}\n`;
  const per = `on ${PACKETS.toLocaleString('en')} packets:`;
  text = text.replace(/^- (flowaudit ≤ 1\.25× the evidence floor|≥ 2× faster than nfpcapd \+ nfdump|≥ 17× faster than tshark) (.*)\n/gm, (m) => (m.includes(per) ? '' : m));
  text = text.replace(/(## Targets\n\n)/, (m) => `${m}${sec.targets.join('\n')}\n`);
  writeFileSync(path, text);
  console.log([...sec.lines, '', ...sec.targets].join('\n'));
}

async function main(): Promise<void> {
  if (ONLY_PACKETS) return onlyPackets();
  if (ONLY_SCALE) return onlyScale();
  const loadStart = loadavg()[0]!;
  const started = new Date();
  const packets = await packetsSection();

  others.push(await otherWork());
  const lab = join(root, 'fixtures', 'ams-lab.pcapng');
  const labInv = join(root, 'fixtures', 'ams-lab.inventory.json');
  const fixed = await rounds(
    FIXED_ROUNDS,
    { node: [process.execPath, ['-e', '0']], lab: [process.execPath, [cli, 'audit', lab, '--inventory', labInv, '--format', 'json', '--output', join(dir, 'lab.json'), '--exit-zero']], version: [process.execPath, [cli, '--version']] },
    'fixed cost',
  );

  let big: Record<string, Run>[] | null = null;
  let bigFile = '';
  let bigConns = 0;
  let phasesBig = '';
  if (BIG > 0) {
    bigFile = ensure(`ams-mix-${BIG}.pcap`, (p) => generateAmsMix(p, BIG));
    const bigOut = join(dir, 'audit-big.json');
    await measure(floor(bigFile)); // warm the page cache
    others.push(await otherWork());
    phasesBig = phases(bigFile, bigOut);
    big = await rounds(BIG_ROUNDS, { flowaudit: flowaudit(bigFile, bigOut), floor: floor(bigFile) }, `${BIG} packets`);
    bigConns = (JSON.parse(readFileSync(bigOut, 'utf8')) as { summary: { connections: number } }).summary.connections;
  }

  let flood: {
    run: Run;
    live: Run | null;
    liveNote: string;
    finding: { probes: number; ports: number; hosts: number; answered: number; refused: number; unanswered: number } | null;
    gen: { probes: number; open: number; closed: number };
    unexpected: number;
  } | null = null;
  if (FLOOD > 0) {
    const scanFile = ensure(`scan-${FLOOD}.pcap`, (p) => generateSynScan(p, FLOOD));
    const gen = JSON.parse(readFileSync(`${scanFile}.meta.json`, 'utf8')) as { probes: number; open: number; closed: number };
    const floodOut = join(dir, 'flood.json');
    const run = await measure(flowaudit(scanFile, floodOut));
    const j = JSON.parse(readFileSync(floodOut, 'utf8')) as { scans?: { probes: number; ports: number; hosts: number; answered: number; refused: number; unanswered: number }[]; unexpected: unknown[] };
    // live: `--engine tcpdump` reads pcap from the capture program's standard output; a stand-in
    // "tcpdump" on PATH writes the scan file, so the flood goes through the live pipeline.
    let live: Run | null = null;
    let liveNote = '';
    const help = spawnSync(process.execPath, [cli, 'live', '--help'], { encoding: 'utf8' }).stdout;
    if (help.includes('--engine')) {
      const fake = mkdtempSync(join(tmpdir(), 'flowaudit-fake-tcpdump-'));
      writeFileSync(join(fake, 'tcpdump'), `#!/bin/sh\necho "listening on lo, link-type EN10MB" >&2\nexec cat ${JSON.stringify(scanFile)}\n`);
      chmodSync(join(fake, 'tcpdump'), 0o755);
      const liveOut = join(dir, 'flood-live.json');
      live = await measure([process.execPath, [cli, 'live', '--engine', 'tcpdump', '-i', 'lo', '--quiet', '--inventory', inventory, '--format', 'json', '--output', liveOut, '--exit-zero']], { PATH: `${fake}:${process.env.PATH}` });
      liveNote = existsSync(liveOut) ? `live report: ${JSON.stringify((JSON.parse(readFileSync(liveOut, 'utf8')) as { scans?: unknown[] }).scans?.length ?? 0)} scan finding(s)` : 'live run wrote no report';
      rmSync(fake, { recursive: true, force: true });
    } else liveNote = '`live --engine` is not available in this build, so the live flood was not run';
    flood = { run, live, liveNote, finding: j.scans?.[0] ?? null, gen, unexpected: j.unexpected.length };
    console.log(`flood: ${s(run.ms)}, peak RSS ${f(run.rssMB, 0)} MB${live ? `; live ${s(live.ms)}, ${f(live.rssMB, 0)} MB` : ''}`);
  }
  others.push(await otherWork());
  const loadEnd = loadavg()[0]!;

  // ---- BENCHMARKS.md
  const rFixed = ratio(fixed, 'lab', 'node');
  const rBig = big ? ratio(big, 'flowaudit', 'floor') : NaN;
  const bigRss = big ? maxRss(big, 'flowaudit') : NaN;
  const tsVersion = tsharkPath ? firstLine(tsharkPath, ['--version']) : '';
  const nfVersion = nfOk ? firstLine('nfdump', ['-V']) : '';
  const otherMax = Math.max(...others.filter((x) => Number.isFinite(x)));
  const shared = otherMax > 0.25;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${f(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}${tsVersion ? `, ${tsVersion}` : ''}${nfVersion ? `, ${nfVersion}` : ''}.`,
    shared
      ? `**This run shared the machine with other work** (up to ${f(otherMax, 2)} of ${cpus().length} cores busy while the bench itself slept, sampled ${others.length} times between its phases; load average ${f(loadStart, 1)} at the start): absolute times are inflated and noisy; the ratios, taken per round between commands run back to back, are the figures to read.`
      : `The machine was otherwise idle: at most ${f(otherMax, 2)} of ${cpus().length} cores busy while the bench itself slept (sampled ${others.length} times between its phases; load average ${f(loadStart, 1)} at the start, ${f(loadEnd, 1)} at the end, which counts the bench's own runs).`,
    '',
    'Times are wall-clock for the whole command (process start to exit). Rounds are interleaved with the',
    'order rotating each round; a ratio is the median of the per-round ratios. Peak RSS is the maxrss',
    'of the process, worker threads included. The evidence floor is `test/bench/floor.mjs`: one read',
    'into a ring of shared buffers, a worker hashing each chunk while the main thread walks the same',
    'chunk into a typed-array connection table — the least an evidence-grade audit must do.',
    '',
    ...packets.lines,
    '## Fixed cost (the bundled lab capture, 228 packets)',
    '',
    '| measure | value | target |',
    '|---|---|---|',
    `| \`node -e 0\`, median | ${s(med(fixed, 'node'))} | |`,
    `| \`flowaudit audit\` of the lab (JSON report), median | ${s(med(fixed, 'lab'))} | |`,
    `| \`flowaudit --version\`, median | ${s(med(fixed, 'version'))} | |`,
    `| lab audit ÷ \`node -e 0\` | ${f(rFixed, 2)}× | ≤ 2× |`,
    '',
  ];
  if (big) {
    lines.push(
      `## ${BIG.toLocaleString('en')} packets (${f(statSync(bigFile).size / 1e6, 0)} MB, ${bigConns.toLocaleString('en')} connections)`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| flowaudit audit, median | ${s(med(big, 'flowaudit'))} (${f(BIG / (med(big, 'flowaudit') / 1000) / 1e6, 2)} M packets/s) | |`,
      `| evidence floor, median | ${s(med(big, 'floor'))} | |`,
      `| flowaudit ÷ floor | ${f(rBig, 2)}× | ≤ 1.25× |`,
      `| peak RSS flowaudit | ${f(bigRss, 0)} MB | ≤ 200 MB |`,
      `| where one flowaudit run's time went (FLOWAUDIT_TIMING=1) | ${phasesBig} | |`,
      '',
    );
  }
  if (flood) {
    const fi = flood.finding;
    lines.push(
      `## Flood: a SYN scan of ${flood.gen.probes.toLocaleString('en')} unique half-open connections`,
      '',
      '| measure | value | target |',
      '|---|---|---|',
      `| \`flowaudit audit\`: time | ${s(flood.run.ms)} | |`,
      `| \`flowaudit audit\`: peak RSS | ${f(flood.run.rssMB, 0)} MB | ≤ 200 MB |`,
      `| \`flowaudit live\` (the same packets through the live pipeline): peak RSS | ${flood.live ? `${f(flood.live.rssMB, 0)} MB (${s(flood.live.ms)})` : 'not run'} | ≤ 200 MB |`,
      `| scan finding: probes, ports, hosts | ${fi ? `${fi.probes.toLocaleString('en')}, ${fi.ports.toLocaleString('en')}, ${fi.hosts}` : 'none'} | one finding |`,
      `| answered / refused / unanswered (generated: ${flood.gen.open} open, ${flood.gen.closed} closed) | ${fi ? `${fi.answered} / ${fi.refused} / ${fi.unanswered}` : 'n/a'} | |`,
      `| unexpected flows listed (the answered probes) | ${flood.unexpected} | |`,
      '',
      `Live: ${flood.liveNote}.`,
      '',
    );
  }
  const scale = await scaleSections();
  lines.push(...scale.lines, '');
  const watch = WATCH_ROWS > 0 ? await watchSection({ root, dir, cli, inventory }, WATCH_ROWS) : null;
  if (watch) lines.push(...watch.lines, '');
  const met = (ok: boolean): string => (ok ? '**met**' : '**not met**');
  lines.push('## Targets', '');
  lines.push(packets.targets[0]!);
  if (big) lines.push(`- flowaudit ≤ 1.25× the evidence floor on ${BIG.toLocaleString('en')} packets: ${met(rBig <= 1.25)} (${f(rBig, 2)}×).`);
  lines.push(...packets.targets.slice(1));
  lines.push(`- Bundled-lab audit ≤ 2× \`node -e 0\`: ${met(rFixed <= 2)} (${f(rFixed, 2)}×).`);
  if (flood) {
    lines.push(`- 1M half-open flood ≤ 200 MB peak RSS in \`audit\`: ${met(flood.run.rssMB <= 200)} (${f(flood.run.rssMB, 0)} MB); in \`live\`: ${flood.live ? `${met(flood.live.rssMB <= 200)} (${f(flood.live.rssMB, 0)} MB)` : 'not measured'}.`);
  }
  if (big) lines.push(`- ${BIG.toLocaleString('en')} packets ≤ 200 MB peak RSS: ${met(bigRss <= 200)} (${f(bigRss, 0)} MB).`);
  lines.push(...scale.targets);
  if (watch) lines.push(...watch.targets);
  lines.push('');
  writeFileSync(join(root, 'BENCHMARKS.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
