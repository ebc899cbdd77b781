/**
 * `live --engine pktmon` / `--engine netsh`, orchestrated on Linux with a stand-in program on PATH
 * (windows_standin.mjs: records its arguments, copies a trace into place on start). What is
 * checked: the exact commands (filters from the matrix's ports, or none with --all-traffic; start
 * with --pkt-size 0; stop and filter removal), that the trace is stopped however flowaudit ends
 * (report, second Ctrl-C, a failed start, a crash), one-line errors (not elevated, pktmon missing),
 * and that the packets read from the trace give the same report as auditing them from a file,
 * with the evidence written as pcapng. The stand-in copies the lab pcapng (the capture reader
 * recognises content, not names); the real pktmon ETL from ../shared is read when this build has
 * the ETL reader. None of this ran on real Windows (docs/windows.md).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pktmonFilters } from '../../src/capture/pktmon_filters.js';
import { traceCommands } from '../../src/capture/windows_trace.js';
import { openCapture } from '../../src/capture/open_capture.js';
import { REQUIRE_SHARED, SHARED_DIR } from '../support/shared.js';

const BIN = resolve('bin/flowaudit.js');
const LAB = resolve('fixtures/ams-lab.pcapng');
const INV = resolve('fixtures/ams-lab.inventory.json');
const STANDIN = resolve('test/live/windows_standin.mjs');
const REAL_ETL = join(SHARED_DIR, 'corpus', 'windows', 'demikernel__PktMon.etl');
const dir = mkdtempSync(join(tmpdir(), 'fa-wintrace-'));
const binDir = join(dir, 'bin');
mkdirSync(binDir);
for (const p of ['pktmon', 'netsh']) symlinkSync(STANDIN, join(binDir, p));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runs = 0;
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  log: { program: string; args: string[] }[];
  out: string;
  write: string;
}

/** bin/flowaudit.js live with the stand-ins first on PATH; `signals` are sent after it says it captures. */
async function live(args: string[], opts: { source?: string; fail?: string; path?: string; signals?: NodeJS.Signals[] } = {}): Promise<Run> {
  const n = ++runs;
  const log = join(dir, `log-${n}.jsonl`);
  writeFileSync(log, '');
  const out = join(dir, `report-${n}.json`);
  const write = join(dir, `evidence-${n}.pcapng`);
  const argv = [BIN, 'live', ...args.map((a) => a.replace('{out}', out).replace('{write}', write))];
  const env = { ...process.env, PATH: opts.path ?? `${binDir}:${process.env.PATH}`, STANDIN_LOG: log, STANDIN_SOURCE: opts.source ?? LAB, STANDIN_FAIL: opts.fail ?? '', SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1' };
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const signals = [...(opts.signals ?? [])];
  const poke = setInterval(() => {
    if (signals.length > 0 && stderr.includes('capturing on')) child.kill(signals.shift()!);
  }, 50);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearInterval(poke);
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code, stdout, stderr, log: lines.map((l) => JSON.parse(l) as { program: string; args: string[] }), out, write };
}

const auditJson = (path: string, ...extra: string[]): any => {
  const r = spawnSync(process.execPath, [BIN, 'audit', path, '--inventory', INV, '-f', 'json', ...extra], { encoding: 'utf8', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } });
  return JSON.parse(r.stdout);
};

describe('pktmon filters from the matrix ports', () => {
  it.each([
    ['single ports, one filter each', [{ protocol: 'tcp', from: 443, to: 443 }, { protocol: 'udp', from: 53, to: 53 }], ['tcp/443', 'udp/53'], null],
    ['a small range is expanded', [{ protocol: 'tcp', from: 8080, to: 8082 }], ['tcp/8080', 'tcp/8081', 'tcp/8082'], null],
    ['the RPC dynamic range makes all of TCP one filter', [{ protocol: 'tcp', from: 135, to: 135 }, { protocol: 'tcp', from: 49152, to: 65535 }, { protocol: 'udp', from: 389, to: 389 }], ['all tcp', 'udp/389'], /tcp\/49152-65535 cannot be a pktmon port filter/],
    ['over 32 filters: none (all traffic), said', Array.from({ length: 40 }, (_, i) => ({ protocol: 'tcp', from: 1000 + i * 100, to: 1000 + i * 100 })), [], /needs 40 pktmon filters and pktmon allows 32/],
  ])('%s', (_name, ranges, labels, note) => {
    const plan = pktmonFilters(ranges);
    expect(plan.filters.map((f) => f.label)).toEqual(labels);
    if (note === null) expect(plan.note).toBeNull();
    else expect(plan.note).toMatch(note);
  });

  it('filter arguments: transport and one port, never two (two would mean "between")', () => {
    expect(pktmonFilters([{ protocol: 'udp', from: 53, to: 53 }]).filters[0]!.args).toEqual(['-t', 'UDP', '-p', '53']);
  });

  it.each([
    ['pktmon, all components', { engine: 'pktmon', device: 'all' }, ['start', '--capture', '--pkt-size', '0', '--file-name', 'C:\\t\\x.etl']],
    ['pktmon, NICs only', { engine: 'pktmon', device: 'nics' }, ['start', '--capture', '--pkt-size', '0', '--file-name', 'C:\\t\\x.etl', '--comp', 'nics']],
    ['netsh', { engine: 'netsh', device: 'any' }, ['trace', 'start', 'capture=yes', 'report=disabled', 'tracefile=C:\\t\\x.etl', 'overwrite=yes']],
  ] as const)('start command: %s', (_n, o, start) => {
    expect(traceCommands({ ...o, filters: [], etlPath: 'C:\\t\\x.etl' }).start).toEqual(start);
  });
});

describe('live --engine pktmon (stand-in pktmon on PATH)', () => {
  it("adds a filter per matrix port, starts, stops on --duration, removes the filters; the report equals the file audit's", async () => {
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--inventory', INV, '--duration', '1s', '--write', '{write}', '-f', 'json', '-o', '{out}']);
    expect(r.stderr).not.toMatch(/Error|error:/);
    const etl = r.write.replace(/\.pcapng$/, '.etl');
    expect(r.log.map((l) => l.args.join(' '))).toEqual([
      'filter remove',
      'filter add flowaudit-1 -t TCP',
      'filter add flowaudit-2 -t UDP -p 53',
      'filter add flowaudit-3 -t UDP -p 389',
      `start --capture --pkt-size 0 --file-name ${etl}`,
      'stop',
      'filter remove',
    ]);
    const rep = JSON.parse(readFileSync(r.out, 'utf8'));
    const file = auditJson(LAB);
    expect(rep.inputs[0].live).toMatchObject({ engine: 'pktmon', interface: 'all', stopReason: 'duration' });
    expect(rep.inputs[0].packets).toBe(file.inputs[0].packets);
    expect(rep.rules).toEqual(file.rules);
    expect(rep.verdict).toBe(file.verdict);
    expect(r.code).toBe(file.verdict === 'pass' ? 0 : file.verdict === 'fail' ? 1 : 3);
    // The evidence is pcapng, and auditing it gives the same rules.
    expect(readFileSync(r.write).readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(auditJson(r.write).rules).toEqual(file.rules);
    expect(rep.inputs[0].live.evidence.sha256).toBe(rep.inputs[0].sha256);
    expect(existsSync(etl)).toBe(true); // the trace is kept beside the evidence
  }, 60_000);

  it('--all-traffic adds no filter', async () => {
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--all-traffic', '--duration', '1s', '-q', '-f', 'json', '-o', '{out}']);
    expect(r.log.map((l) => l.args[0] + (l.args[1] ? ` ${l.args[1]}` : ''))).toEqual(['filter remove', 'start --capture', 'stop', 'filter remove']);
    expect(JSON.parse(readFileSync(r.out, 'utf8')).inputs[0].live.engine).toBe('pktmon');
    const etl = r.log.find((l) => l.args[0] === 'start')!.args.at(-1)!;
    expect(existsSync(dirname(etl))).toBe(false); // without --write the trace's temporary folder is removed once read
  }, 60_000);

  it('Ctrl-C stops the trace and reports; a second Ctrl-C stops it too: "interrupted; no report", 130', async () => {
    const once = await live(['-i', 'all', '--engine', 'pktmon', '--duration', '30s', '-f', 'json', '-o', '{out}'], { signals: ['SIGINT'] });
    expect(once.log.at(-2)!.args).toEqual(['stop']);
    expect(JSON.parse(readFileSync(once.out, 'utf8')).inputs[0].live.stopReason).toBe('SIGINT');
    const twice = await live(['-i', 'all', '--engine', 'pktmon', '--duration', '30s', '-f', 'json', '-o', '{out}'], { signals: ['SIGINT', 'SIGINT'] });
    expect(twice.code).toBe(130);
    expect(twice.stderr).toContain('interrupted; no report');
    expect(twice.log.map((l) => l.args[0])).toContain('stop');
    expect(existsSync(twice.out)).toBe(false);
  }, 60_000);

  it('not elevated: one line with pktmon\'s own message, exit 2, no report file, nothing left running', async () => {
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--duration', '5s', '-o', '{out}'], { fail: 'start' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual(['flowaudit: pktmon start --capture failed (exit status 5): Error: Access is denied.; run flowaudit from an elevated prompt (Run as administrator)']);
    expect(existsSync(r.out)).toBe(false);
    expect(r.log.slice(-2).map((l) => l.args.join(' '))).toEqual(['stop', 'filter remove']);
  }, 60_000);

  it('pktmon missing: one line, exit 2', async () => {
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--duration', '1s'], { path: '/nonexistent-for-test' });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^flowaudit: live capture with --engine pktmon: pktmon is a Windows program and is not on PATH here .*Windows 10 1809.*--engine netsh/);
  });

  it('a capture filter is refused: pktmon filters come from the matrix', async () => {
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--filter', 'tcp port 443', '--duration', '1s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--filter: pktmon takes no capture filter');
    expect(r.log).toEqual([]);
  });

  it('a trace the reader cannot read: one line, exit 2, the trace stopped first', async () => {
    const junk = join(dir, 'junk.etl');
    writeFileSync(junk, 'not a trace at all');
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--duration', '1s', '-o', '{out}'], { source: junk });
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2); // "capturing on", then the error
    expect(r.stderr).toMatch(/pktmon wrote a trace this flowaudit cannot read as packets/);
    expect(r.log.map((l) => l.args[0])).toContain('stop');
    expect(existsSync(r.out)).toBe(false);
  }, 60_000);

  it('a crash after the trace started still stops it (the exit hook)', () => {
    const log = join(dir, 'crash.jsonl');
    writeFileSync(log, '');
    const script = join(dir, 'crash.mts');
    writeFileSync(
      script,
      `import { TraceCapture } from ${JSON.stringify(resolve('src/capture/windows_trace.ts'))};
const t = new TraceCapture({ engine: 'pktmon', device: 'all', filters: [], etlPath: ${JSON.stringify(join(dir, 'crash.etl'))} });
t.start(() => {}, () => {});
await t.ready();
throw new Error('boom');
`,
    );
    const r = spawnSync(resolve('node_modules/.bin/tsx'), [script], { encoding: 'utf8', env: { ...process.env, PATH: `${binDir}:${process.env.PATH}`, STANDIN_LOG: log, STANDIN_SOURCE: LAB } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('boom');
    const args = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { args: string[] }).args.join(' '));
    expect(args.slice(-2)).toEqual(['stop', 'filter remove']);
  }, 60_000);
});

describe('live --engine netsh (stand-in netsh on PATH)', () => {
  it('netsh trace start capture=yes report=disabled, netsh trace stop; no port filter', async () => {
    const r = await live(['-i', 'any', '--engine', 'netsh', '--inventory', INV, '--duration', '1s', '-q', '-f', 'json', '-o', '{out}']);
    expect(r.log.map((l) => l.args.slice(0, 4).join(' '))).toEqual(['trace start capture=yes report=disabled', 'trace stop']);
    const rep = JSON.parse(readFileSync(r.out, 'utf8'));
    expect(rep.inputs[0].live.engine).toBe('netsh');
    expect(rep.rules).toEqual(auditJson(LAB).rules);
  }, 60_000);
});

/** The real pktmon ETL (Windows Server 2022): read natively once the ETL reader is in this build. */
function etlReadable(): string | null {
  if (!existsSync(REAL_ETL)) return REQUIRE_SHARED ? null : `${REAL_ETL} is absent (../shared not beside the repository)`;
  try {
    openCapture(REAL_ETL).close();
    return null;
  } catch (e) {
    return `this build cannot read ETL yet: ${(e as Error).message}`;
  }
}
const etlReason = etlReadable();
(etlReason === null ? describe : describe.skip)(`live --engine pktmon with a real pktmon ETL${etlReason ? ` — skipped: ${etlReason}` : ''}`, () => {
  it('reads the ETL the stand-in put in place, writes the evidence pcapng, and reports like auditing the ETL', async () => {
    const copy = join(dir, 'real.etl');
    copyFileSync(REAL_ETL, copy);
    const r = await live(['-i', 'all', '--engine', 'pktmon', '--all-traffic', '--inventory', INV, '--scope', 'all', '--duration', '1s', '-q', '--write', '{write}', '-f', 'json', '-o', '{out}'], { source: copy });
    expect(r.code).not.toBe(2);
    const rep = JSON.parse(readFileSync(r.out, 'utf8'));
    const file = auditJson(copy, '--scope', 'all');
    expect(rep.inputs[0].packets).toBe(file.inputs[0].packets);
    expect(rep.inputs[0].packets).toBeGreaterThan(0);
    expect(rep.inputs[0].copiesCollapsed).toBe(file.inputs[0].copiesCollapsed); // pktmon's per-component copies counted once, as audit does
    expect(rep.inputs[0].copiesCollapsed).toBeGreaterThan(0);
    expect(rep.unexpected).toEqual(file.unexpected);
    expect(rep.rules).toEqual(file.rules);
    expect(auditJson(r.write, '--scope', 'all').unexpected).toEqual(file.unexpected); // the evidence pcapng re-audits the same
    expect(readFileSync(r.write).readUInt32LE(0)).toBe(0x0a0d0d0a);
  }, 60_000);
});
