/**
 * The parallel conn.log reader (src/records/conn_parallel.ts) gives the serial reader's result: on
 * generated logs spanning many small units (FLOWAUDIT_CONNLOG_UNIT), the JSON report of `audit`
 * read in parallel is byte-identical to the serial one, with a malformed line in the second unit
 * named by its own line, a header block repeated mid-file with other columns and another #path,
 * CRLF and escaped rows, a last line without a newline, a line longer than a unit, and a tuple with
 * more histories than a part keeps. Needs the worker's bundle (dist/connlog-worker.cjs, made by
 * `npm run build`, which `npm test` runs first).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { HashService } from '../../src/inputs/input_hash.js';
import { RecordCollector } from '../../src/records/collector.js';
import { connWorkerScript, parallelStats } from '../../src/records/conn_parallel.js';
import { readRecordLogFile } from '../../src/records/log_file.js';
import { runCli } from '../support/run_cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-connpar-'));
const FIELDS = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents';
const HEAD = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn', '#open\t2026-12-01-00-00-00', `#fields\t${FIELDS.replaceAll(' ', '\t')}`];
const FLOWS: [string, string, number][] = [
  ['10.0.0.10', '10.0.0.2', 389], ['10.0.0.10', '10.0.0.3', 88], ['10.0.3.%', '10.0.0.10', 443], ['10.0.2.%', '10.0.0.10', 443],
  ['10.0.3.%', '10.0.0.2', 3389], ['10.0.0.10', '10.0.0.2', 135], ['10.0.9.%', '10.0.0.10', 22],
];
const STATES = [['SF', 'ShADadFf'], ['S0', 'S'], ['REJ', 'Sr'], ['SF', 'ShADadfF'], ['RSTO', 'ShADadR'], ['SF', 'ShAadDfF']] as const;

function row(i: number, history?: string): string {
  const [c, s, p] = FLOWS[(i * 3) % FLOWS.length]!;
  const [st, h] = STATES[(i * 5) % STATES.length]!;
  return [
    (1764547200 + i * 0.25).toFixed(6), `C${i}`, c.replace('%', String((i % 30) + 1)), 49152 + (i % 9000), s, p, 'tcp', '-',
    (i % 13) / 10, 100 + i, 200, st, 0, history ?? h, 3, 200 + i, 2, 300, '-',
  ].join('\t');
}

/** A log of `n` rows with the hard cases; `extra(i)` may replace row i. */
function connLog(n: number, extra: (i: number) => string | null = () => null): string {
  const lines = [...HEAD];
  for (let i = 0; i < n; i++) {
    const x = extra(i);
    if (x !== null) lines.push(x);
    else if (i === 150) lines.push('this line is not a conn.log row');
    else if (i === 400) lines.push(`${row(i)}\r`);
    else if (i === 500) lines.push(row(i).replace('ShADadFf', 'Sh\\x41DadFf').replace(/\tS0\t|\tSF\t/, '\tSF\t'));
    else if (i === 2000) {
      // The header again, with another #path (its rows ignored), then conn with columns in another order.
      lines.push('#close\t2026-12-01-01-00-00', '#path\tweird', `#fields\t${FIELDS.replaceAll(' ', '\t')}`, row(i), '#path\tconn');
      lines.push(`#fields\t${FIELDS.split(' ').reverse().join('\t')}`);
    } else if (i > 2000) lines.push(row(i).split('\t').reverse().join('\t'));
    else lines.push(row(i));
  }
  return lines.join('\n'); // no newline after the last row
}

const INVENTORY = join(tmp, 'inventory.json');
writeFileSync(INVENTORY, JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2', '10.0.0.3'], 'global-catalog': ['10.0.0.2', '10.0.0.3'], 'dns-server': ['10.0.0.2'], 'domain-joined-agent': ['10.0.2.0/24'], 'web-user': ['10.0.3.0/24'] } }));

async function report(log: string, parallel: boolean): Promise<string> {
  vi.stubEnv('FLOWAUDIT_CONNLOG_PARALLEL_MIN', parallel ? '1' : String(2 ** 40));
  vi.stubEnv('FLOWAUDIT_CONNLOG_UNIT', '4096');
  const out = join(tmp, 'report.json');
  const r = await runCli(['audit', log, '--inventory', INVENTORY, '--format', 'json', '--output', out, '--exit-zero']);
  expect(r.code, r.stderr).toBe(0);
  return String(r.files.get(out));
}

/** What the reader collected: every tuple as a connection (ids and order included), its history summary, the input summary. */
async function collected(log: string | string[], parallel: boolean, unit = 4096): Promise<unknown> {
  vi.stubEnv('FLOWAUDIT_CONNLOG_PARALLEL_MIN', parallel ? '1' : String(2 ** 40));
  vi.stubEnv('FLOWAUDIT_CONNLOG_UNIT', String(unit));
  const c = new RecordCollector(defaultServerPorts());
  const summaries = [];
  for (const l of typeof log === 'string' ? [log] : log) {
    const hash = new HashService({ worker: false }).open();
    const summary = await readRecordLogFile(l, 'zeek-conn-tsv', c, hash);
    summary.sha256 = await hash.digest();
    summaries.push(summary);
  }
  const t = c.tuples!;
  return { summaries, tuples: t.toArray(), histories: t.toArray().map((_, i) => t.historySummary(i)), records: t.records };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('parallel conn.log reader', () => {
  it('has its worker bundle (npm run build)', () => {
    expect(connWorkerScript()).not.toBeNull();
  });

  it('leaves a log under the threshold (32 MiB by default) to the serial reader', async () => {
    const log = join(tmp, 'small.conn.log');
    writeFileSync(log, connLog(500));
    parallelStats.units = -1;
    const c = new RecordCollector(defaultServerPorts());
    await readRecordLogFile(log, 'zeek-conn-tsv', c, new HashService({ worker: false }).open());
    expect(parallelStats.units).toBe(-1);
    expect(c.tuples!.records).toBe(499); // 500 rows, one of them malformed
  });

  it('gives the serial JSON report byte for byte, malformed line in the second unit included', async () => {
    const log = join(tmp, 'mixed.conn.log');
    writeFileSync(log, connLog(4000));
    parallelStats.units = -1;
    const serial = await report(log, false);
    expect(parallelStats.units).toBe(-1); // not read in parallel
    const parallel = await report(log, true);
    expect(parallelStats.fallback).toBe('');
    expect(parallelStats.workerUnits).toBeGreaterThan(2);
    expect(parallelStats.units).toBeGreaterThan(parallelStats.workerUnits);
    expect(parallel).toBe(serial);
    const input = (JSON.parse(parallel) as { inputs: { records: { malformed: number; problems: { line: number }[]; ignored: Record<string, number> } }[] }).inputs[0]!.records;
    // Line 158: 7 header lines, then row 150. The first unit (4096 bytes) ends before it.
    expect(input.problems.map((p) => p.line)).toContain(158);
    expect(158 * 100).toBeGreaterThan(4096);
    expect(input.ignored).toEqual({ '#path weird': 1 });
  });

  it('collects the tuples of the serial reader in the same order, with the same histories and summary', async () => {
    const log = join(tmp, 'mixed.conn.log');
    writeFileSync(log, connLog(4000));
    const serial = await collected(log, false);
    const parallel = await collected(log, true);
    expect(parallelStats.workerUnits).toBeGreaterThan(2);
    expect(parallelStats.fallback).toBe('');
    expect(parallel).toEqual(serial);
  });

  it.each([100, 333, 1000, 2500, 65536])('collects the same with units of %i bytes', async (unit) => {
    const log = join(tmp, 'mixed.conn.log');
    writeFileSync(log, connLog(4000));
    const serial = await collected(log, false);
    expect(await collected(log, true, unit)).toEqual(serial);
    expect(parallelStats.units).toBeGreaterThan(0);
    expect(parallelStats.fallback).toBe('');
  });

  it('gives the serial report for two logs read into the same tuples (the second merged into the first)', async () => {
    const a = join(tmp, 'a.conn.log');
    const b = join(tmp, 'b.conn.log');
    writeFileSync(a, connLog(2500));
    // The same tuples again, with histories the first log did not have.
    writeFileSync(b, connLog(2500, (i) => (i % 3 === 0 ? row(i, `S${'hADdaFfRr'[i % 9]}A`) : null)));
    const two = async (parallel: boolean): Promise<string> => {
      vi.stubEnv('FLOWAUDIT_CONNLOG_PARALLEL_MIN', parallel ? '1' : String(2 ** 40));
      vi.stubEnv('FLOWAUDIT_CONNLOG_UNIT', '4096');
      const out = join(tmp, 'two.json');
      const r = await runCli(['audit', a, b, '--inventory', INVENTORY, '--format', 'json', '--output', out, '--exit-zero']);
      expect(r.code, r.stderr).toBe(0);
      return String(r.files.get(out));
    };
    const serial = await two(false);
    expect(await two(true)).toBe(serial);
    expect(await collected([a, b], true)).toEqual(await collected([a, b], false));
    expect(parallelStats.workerUnits).toBeGreaterThan(0);
    expect(parallelStats.fallback).toBe('');
  });

  it.each([
    ['fails at start', 'throw new Error("no parser here");'],
    ['dies after some units', `const { parentPort, workerData } = require('node:worker_threads');
       const ctl = new Int32Array(workerData.ctl); let n = 0;
       parentPort.on('message', (m) => { if (++n === 3) process.exit(7); if (!m.end) { Atomics.store(ctl, m.slot, 0); Atomics.notify(ctl, m.slot); } });`],
  ])('gives the serial result when the parse worker %s (the file is parsed again, its hash kept)', async (_what, source) => {
    const log = join(tmp, 'mixed.conn.log');
    writeFileSync(log, connLog(4000));
    const serial = await collected(log, false);
    const bad = join(tmp, 'bad-worker.cjs');
    writeFileSync(bad, source);
    vi.stubEnv('FLOWAUDIT_CONNLOG_WORKER', bad);
    expect(await collected(log, true)).toEqual(serial);
    expect(parallelStats.fallback).toMatch(/^worker: /);
  });

  it('gives the serial report with a line longer than a unit', async () => {
    const log = join(tmp, 'long.conn.log');
    writeFileSync(log, connLog(3000, (i) => (i === 1200 ? `${row(i)}\t${'x'.repeat(20000)}` : null)));
    const serial = await report(log, false);
    expect(await report(log, true)).toBe(serial);
    expect(parallelStats.workerUnits).toBeGreaterThan(0);
  });

  it('gives the serial result with lines between one and two units long (read on after a unit without a newline)', async () => {
    const log = join(tmp, 'longish.conn.log');
    writeFileSync(log, connLog(3000, (i) => (i % 97 === 7 ? `${row(i)}\t${'y'.repeat(4200 + ((i * 131) % 3500))}` : null)));
    const serial = await collected(log, false);
    expect(await collected(log, true)).toEqual(serial);
    expect(parallelStats.workerUnits).toBeGreaterThan(0);
  });

  it('gives the serial report for a tuple with more histories than a part keeps', async () => {
    const log = join(tmp, 'histories.conn.log');
    // One tuple (row 3's) gets 40 distinct histories, spread over the file, and its first history again at the end.
    const letters = 'ShADadFfRrTtWwIiQqCc';
    const hist = (k: number): string => `S${letters[k % 20]}${letters[Math.floor(k / 20) % 20]}`;
    writeFileSync(log, connLog(4000, (i) => (i % 7 === 0 && i < 2000 ? row(3, i < 1900 ? hist(i / 7) : 'ShADadFf').replace('\tC3\t', `\tC${i}\t`) : null)));
    const serial = await report(log, false);
    expect(await report(log, true)).toBe(serial);
    expect(parallelStats.workerUnits).toBeGreaterThan(0);
    // A part kept 16 of them and the merged tuple keeps one the other part counted as other: read again serially.
    expect(parallelStats.fallback).toBe('histories');
  });
});
