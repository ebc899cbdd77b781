/**
 * Helpers for the live tests: whether live capture can run here (cap built, privileges), a
 * describe() that is skipped with the reason, or fails when FLOWAUDIT_REQUIRE_LIVE=1 (CI), and an
 * in-process run of main() with a controllable signal handler.
 */
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { LiveCapture, loadCap } from '../../src/capture/live_source.js';

export const REQUIRE_LIVE = process.env.FLOWAUDIT_REQUIRE_LIVE === '1';

function probeLive(): string | null {
  try {
    const cap = loadCap();
    new LiveCapture({ device: 'lo' }, cap).close();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** null when live capture works on lo here, else why not. */
export const liveUnavailable: string | null = probeLive();

function probeNetns(): string | null {
  if (liveUnavailable) return liveUnavailable;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [cmd, args] of [
    ['ip', ['-V']],
    ['nft', ['--version']],
  ] as const) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.error || r.status !== 0) return `${cmd} is not installed (apt-get install ${cmd === 'ip' ? 'iproute2' : 'nftables'})`;
  }
  return null;
}

export const netnsUnavailable: string | null = probeNetns();

/**
 * describe() when `reason` is null; otherwise skipped with the reason in its name, or, with
 * FLOWAUDIT_REQUIRE_LIVE=1, a failing test saying why live capture could not run.
 */
export function describeLive(name: string, reason: string | null, body: () => void): void {
  if (reason === null) describe(name, body);
  else if (REQUIRE_LIVE) {
    describe(name, () => {
      it('can run (FLOWAUDIT_REQUIRE_LIVE=1 turns this skip into a failure)', () => {
        throw new Error(`live test could not run: ${reason}`);
      });
    });
  } else describe.skip(`${name} — skipped: ${reason}`, body);
}

export interface InProcessLive {
  /** Resolves with main()'s exit code. */
  done: Promise<number>;
  stdout: () => string;
  stderr: () => string;
  files: Map<string, string | Uint8Array>;
  /** Deliver a signal as io.onSignal would. */
  signal: (s: 'SIGINT' | 'SIGTERM') => void;
  /** Resolves once the command says it is capturing (bounded). */
  ready: () => Promise<void>;
}

export function startInProcess(argv: string[]): InProcessLive {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string | Uint8Array>();
  let handler: ((s: 'SIGINT' | 'SIGTERM') => void) | null = null;
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    writeFile: (p, d) => void files.set(p, d),
    appendFile: (p, d) => void files.set(p, `${String(files.get(p) ?? '')}${d}`),
    env: { SOURCE_DATE_EPOCH: '1772445600' },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    onSignal: (h) => {
      handler = h;
      return () => void (handler = null);
    },
  };
  const done = main(argv, io);
  let finished = false;
  void done.then(() => (finished = true));
  return {
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    files,
    signal: (s) => {
      if (!handler) throw new Error(`no signal handler installed; stderr so far:\n${stderr}`);
      handler(s);
    },
    ready: () => waitFor(() => stderr.includes('capturing on') || finished, 10_000, () => `live did not start; stderr:\n${stderr}`),
  };
}

/** Poll `cond` every 20 ms for at most `ms`; throws with `what()` on timeout. */
export async function waitFor(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 20));
  }
}
