/**
 * A live engine that cannot start (no such interface; no privileges, as the unprivileged user
 * nobody) is ONE line on stderr naming the engine with its own message, exit 2, nothing on stdout
 * and no report file even with -o — for every engine: cap, dumpcap, tshark, tcpdump. The built
 * bin/flowaudit.js runs as a real process so stderr is all of it (libpcap's own warnings included).
 * A second Ctrl-C says "interrupted; no report" with every engine; `live` without --write shows the
 * capture as "(not kept)".
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { findEngine, type EngineName } from '../../src/capture/engine_capture.js';
import { describeLive, liveUnavailable, startInProcess } from './support.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'flowaudit.js');
const root = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'fa-live-start-'));
chmodSync(dir, 0o777); // nobody writes its -o there (and must not)
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENGINES = ['cap', 'dumpcap', 'tshark', 'tcpdump'] as const;
function unavailable(engine: (typeof ENGINES)[number]): string | null {
  if (!root) return 'needs root (to compare with the unprivileged user nobody)';
  if (engine === 'cap') return liveUnavailable;
  return findEngine(engine as EngineName) === null ? `${engine} is not installed` : null;
}
const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

function live(args: string[], asNobody: boolean): { code: number | null; stdout: string; stderr: string } {
  const argv = [BIN, 'live', ...args];
  const cmd = asNobody ? 'setpriv' : process.execPath;
  const full = asNobody ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...argv] : argv;
  // HOME of root left as it is for nobody: tshark then complains about its configuration first.
  const r = spawnSync(cmd, full, { encoding: 'utf8', timeout: 40_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const engine of ENGINES) {
  describeLive(`live --engine ${engine} that cannot start`, unavailable(engine), () => {
    it('a missing interface: one line naming the engine and its own message, exit 2, no report, no -o file', () => {
      const out = join(dir, `${engine}-missing.json`);
      const r = live(['-i', 'nosuchdev0', '--engine', engine, '--duration', '5s', '-o', out], false);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(engine === 'cap' ? /^flowaudit: cap \(libpcap\) on nosuchdev0: no such capture device/ : new RegExp(`^flowaudit: ${engine} on nosuchdev0 exited with status \\d+: ${engine}: .*(no device|No such device)`));
      expect(existsSync(out)).toBe(false);
    });

    it.runIf(hasSetpriv)('as an unprivileged user: one line with the engine\'s permission message, exit 2, no report file', () => {
      const out = join(dir, `${engine}-nobody.json`);
      const r = live(['-i', 'lo', '--engine', engine, '--duration', '5s', '-o', out], true);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      if (engine === 'cap') expect(r.stderr).toMatch(/^flowaudit: cap \(libpcap\) on lo: .*Operation not permitted.*CAP_NET_RAW/);
      else expect(r.stderr).toMatch(new RegExp(`^flowaudit: ${engine} on lo exited with status \\d+: ${engine}: (lo: )?You (do not|don't) have permission to (capture|perform this capture) on`));
      expect(existsSync(out)).toBe(false);
    });

    it('a second Ctrl-C: "interrupted; no report", exit 130', async () => {
      const h = startInProcess(['live', '-i', 'lo', '--engine', engine, '--filter', 'host 127.0.3.3', '--duration', '30s']);
      await h.ready();
      h.signal('SIGINT');
      h.signal('SIGINT');
      expect(await h.done).toBe(130);
      expect(h.stderr()).toContain('flowaudit: interrupted; no report');
      expect(h.stdout()).toBe('');
    }, 40_000);

    it('without --write the capture is "(not kept)" in the evidence block, never "(unreadable)"', async () => {
      const h = startInProcess(['live', '-i', 'lo', '--engine', engine, '--filter', 'host 127.0.3.3', '--duration', '1s', '-q']);
      expect(await h.done).toBe(3); // nothing seen: inconclusive
      expect(h.stdout()).toMatch(/capture {3}\(not kept\) {2}live:lo/);
      expect(h.stdout()).not.toContain('unreadable');
    }, 40_000);
  });
}
