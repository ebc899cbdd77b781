/**
 * Progress of a long-running command on stderr: on a TTY one line refreshed in place, otherwise a
 * plain line every few seconds (logs stay readable), nothing with --quiet. The caller decides how
 * often to call `update` (live: about once a second); this module only decides what to print.
 */
import type { Io } from './io.js';

export interface ProgressStats {
  elapsedMs: number;
  packets: number;
  bytes: number;
  connections: number;
  /** From the last partial audit; null before the first one. */
  rulesObserved: number | null;
  rulesTotal: number | null;
  unexpected: number | null;
}

export interface Progress {
  update(s: ProgressStats): void;
  /** Print the last state (TTY: ends the refreshed line) and stop. */
  done(s: ProgressStats): void;
}

export interface ProgressOptions {
  quiet: boolean;
  /** Prefix, e.g. "live lo". */
  label: string;
  /** Without a TTY, at most one line per this many ms (default 5000). */
  plainEveryMs?: number;
}

export function formatDuration(ms: number): string {
  const t = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function progressLine(label: string, s: ProgressStats): string {
  const rules = s.rulesObserved === null ? 'rules observed -' : `rules observed ${s.rulesObserved}/${s.rulesTotal ?? '?'}`;
  const unexpected = s.unexpected === null ? 'unexpected -' : `unexpected ${s.unexpected}`;
  return `${label} ${formatDuration(s.elapsedMs)} · ${s.packets.toLocaleString('en-US')} packets · ${formatBytes(s.bytes)} · ${s.connections.toLocaleString('en-US')} connections · ${rules} · ${unexpected}`;
}

export function createProgress(io: Io, opts: ProgressOptions): Progress {
  if (opts.quiet) return { update() {}, done() {} };
  const every = opts.plainEveryMs ?? 5000;
  if (io.stderrIsTTY) {
    return {
      update: (s) => io.stderr(`\r\x1b[K${progressLine(opts.label, s)}`),
      done: (s) => io.stderr(`\r\x1b[K${progressLine(opts.label, s)}\n`),
    };
  }
  let lastAt = 0;
  return {
    update: (s) => {
      if (s.elapsedMs - lastAt < every) return;
      lastAt = s.elapsedMs;
      io.stderr(`${progressLine(opts.label, s)}\n`);
    },
    done: (s) => io.stderr(`${progressLine(opts.label, s)}\n`),
  };
}
