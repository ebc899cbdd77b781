/**
 * `flowaudit watch` sources: a path or -i IFACE, never both, and the interface-only options refused
 * without -i (one line, exit 2, nothing started). Needs no privileges: nothing is captured.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

describe('watch: a path or -i IFACE', () => {
  it.each([
    [[], 'give a directory or log file to follow, or -i IFACE'],
    [['/nonexistent-dir', '-i', 'lo'], 'either a path (/nonexistent-dir) or -i lo, not both'],
    [['-i', 'lo', '--once'], '--once: for replaying logs'],
    [['-i', 'lo', '--names', 'x'], '--names: for a log directory'],
    [['/nonexistent-dir', '--filter', 'tcp'], '--filter: only with -i IFACE'],
    [['/nonexistent-dir', '--engine', 'tcpdump'], '--engine: only with -i IFACE'],
    [['/nonexistent-dir', '--idle-timeout', '5s'], '--idle-timeout: only with -i IFACE'],
    [['/nonexistent-dir', '--spool-dir', '/tmp/x'], '--spool-dir: only with -i IFACE'],
    [['-i', 'lo', '--engine', 'nosuch'], '--engine: unknown engine "nosuch"'],
    [['-i', 'lo', '--idle-timeout', '500ms'], '--idle-timeout: at least 1s'],
    [['-i', 'lo', '--idle-timeout', 'soon'], '--idle-timeout: "soon" is not a duration'],
    [['-i', 'lo', '--engine', 'tcpdump', '--all-traffic'], '--all-traffic: only for --engine pktmon'],
  ])('watch %j → exit 2: %s', async (args, message) => {
    const r = await runCli(['watch', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
