/**
 * `flowaudit watch --once` in-process (main(argv, io)): a replay of a conn.log to standard output
 * as NDJSON, the same events whatever the wall clock; usage errors are one line and exit 2.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { CONN_HEADER, T0, connRow } from './conn_rows.js';

function logDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'fa-watch-once-')), 'zeek');
  mkdirSync(dir);
  const rows = [...CONN_HEADER, ...Array.from({ length: 1000 }, (_, i) => connRow(T0 + i, '10.0.3.7', '10.0.0.2', 3389))];
  writeFileSync(join(dir, 'conn.log'), `${rows.join('\n')}\n`);
  return dir;
}

describe('flowaudit watch --once', () => {
  it('replays a conn.log to standard output: NDJSON, one unexpected-flow event for 1,000 rows, its count when stopped', async () => {
    const dir = logDir();
    const r = await runCli(['watch', dir, '--once', '--inventory', 'fixtures/ams-lab.inventory.json']);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: { action: string }; flowaudit: { connections?: number } });
    expect(events.map((e) => e.event.action)).toEqual(['watch-started', 'unexpected-flow', 'unexpected-flow-count', 'watch-stopped']);
    expect(events[2]!.flowaudit.connections).toBe(1000);
    const again = await runCli(['watch', dir, '--once', '--inventory', 'fixtures/ams-lab.inventory.json'], { SOURCE_DATE_EPOCH: '1800000000' });
    const strip = (s: string): string[] => s.trim().split('\n').slice(1).map((l) => l.replace(/"origin":"[^"]*"/g, ''));
    expect(strip(again.stdout)).toEqual(strip(r.stdout)); // log time, not the clock
  });

  it('--firewall: every rolling report checks the host rules (the rule blocking a required flow is named) and verifies', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-watch-fw-')), 'zeek');
    mkdirSync(dir);
    const rows = [...CONN_HEADER, connRow(T0, '10.0.0.10', '10.0.0.3', 3268, 'refused'), connRow(T0 + 5, '10.0.0.10', '10.0.0.2', 389)];
    writeFileSync(join(dir, 'conn.log'), `${rows.join('\n')}\n`);
    const reports = join(dir, '..', 'reports');
    const args = ['watch', dir, '--once', '--inventory', 'fixtures/ams-lab.inventory.json', '--report-dir', reports, '--firewall', 'dc2=fixtures/ams-lab.dc2.iptables'];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    // runCli keeps what io.writeFile wrote in memory: put the report on disk beside its kept rows for verify.
    const [path, text] = [...r.files].find(([f]) => f.endsWith('.json'))!;
    writeFileSync(path, text);
    const json = readdirSync(reports).find((f) => f.endsWith('.json') && f.startsWith('watch-'))!;
    const result = JSON.parse(readFileSync(join(reports, json), 'utf8')) as { firewall?: { findings: { kind: string; text: string }[] } };
    const blocked = result.firewall?.findings.find((f) => f.kind === 'documented-but-blocked' && f.text.includes('tcp/3268'));
    expect(blocked?.text).toMatch(/REJECT by INPUT #4 \(line 10/);
    const v = await runCli(['verify', join(reports, json)]);
    expect(v.stdout).toMatch(/firewall\s+ok/);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const usage = await runCli(['watch', dir, '--once', '--firewall', 'dc2=fixtures/ams-lab.dc2.iptables']);
    expect(usage.stderr).toMatch(/--firewall is checked in the rolling reports: give --report-dir DIR/);
    expect(usage.code).toBe(2);
  });

  it.each([
    [['--format', 'json'], /--format is for the rolling reports/],
    [['--report-dir', '/tmp/x', '--format', 'pdf'], /unknown format "pdf"/],
    [['--repeat', 'soon'], /--repeat: "soon" is not a duration/],
    [['--start-at', 'middle'], /--start-at middle: expected beginning or end/],
    [['--output-keep', '0'], /--output-keep: "0" is not a positive whole number/],
    [['--checkpoint', '/tmp/fa-cp.json', '--state', '/tmp/fa-cp.json'], /--state \/tmp\/fa-cp\.json: the checkpoint's file; give the state a file of its own/],
  ])('%j: one line, exit 2', async (extra, message) => {
    const r = await runCli(['watch', logDir(), '--once', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a path that does not exist: exit 2, one line naming it', async () => {
    const r = await runCli(['watch', '/nonexistent/zeek', '--once']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/nonexistent\/zeek: no such file or directory to follow/);
  });
});
