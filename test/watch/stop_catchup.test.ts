/**
 * A stop (SIGTERM) while watch catches up on a backlog takes effect at the next batch, not after
 * the whole backlog: the follower lets the event loop turn every TURN_MS while it reads. The
 * checkpoint then stands mid-file, and a restart (--once) reads exactly the rest: every row once.
 */
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';
import { CONN_HEADER, T0, connRow } from './conn_rows.js';
import { action, startWatch } from './watch_process.js';

const ROWS = 400_000;

describe('watch: a stop while catching up', () => {
  it('SIGTERM stops within the backlog (checkpoint mid-file), exit 0; a restart reads the rest, every row once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-watch-stop-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const reports = join(dir, 'reports');
    const conn = join(logs, 'conn.log');
    const rows: string[] = [...CONN_HEADER];
    for (let i = 0; i < ROWS; i++) rows.push(connRow(T0 + i * 0.01, '10.0.0.10', '10.0.0.2', 389));
    writeFileSync(conn, `${rows.join('\n')}\n`);
    const size = statSync(conn).size;
    const args = [logs, '--inventory', resolve('fixtures/ams-lab.inventory.json'), '--report-dir', reports, '--report-every', '1h'];
    const w = startWatch(args, join(dir, 'events.ndjson'));
    await w.waitFor((e) => action(e) === 'watch-started');
    expect(await w.stop('SIGTERM', 60_000)).toBe(0);
    expect(w.stderr()).toMatch(/SIGTERM: stopping/);
    const cp = JSON.parse(readFileSync(join(reports, '.watch-checkpoint.json'), 'utf8')) as { files: { offset: number }[] };
    const offsets = cp.files.map((c) => c.offset);
    expect(offsets).toHaveLength(1);
    expect(offsets[0]).toBeGreaterThan(0);
    expect(offsets[0]).toBeLessThan(size); // stopped inside the backlog, not after it
    const again = await runCli(['watch', ...args, '--once', '--output', join(dir, 'events2.ndjson')]);
    expect(again.code).toBe(0);
    const kept = readdirSync(reports).filter((f) => f.endsWith('.conn.log'));
    const n = kept.reduce((sum, f) => sum + readFileSync(join(reports, f), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length, 0);
    expect(n).toBe(ROWS);
  }, 120_000);
});
