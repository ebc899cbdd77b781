/**
 * FLOWAUDIT_TIMING=1: the wall-clock time of each phase of a command on standard error, for
 * `npm run bench` work and for anyone asking where an audit's time goes. Times are milliseconds
 * since the process started (performance.now()), so the first mark shows the start-up cost.
 */
import type { Io } from './io.js';

export interface PhaseTimer {
  mark(phase: string): void;
  /** Writes `flowaudit: timing: start 52 ms, policy +9 ms, ...` when enabled. */
  report(): void;
}

export function phaseTimer(io: Io): PhaseTimer {
  if (!io.env.FLOWAUDIT_TIMING) return { mark: () => {}, report: () => {} };
  const marks: [string, number][] = [['start', performance.now()]];
  return {
    mark: (phase) => void marks.push([phase, performance.now()]),
    report: () => {
      const parts = marks.map(([p, t], i) => (i === 0 ? `${p} ${t.toFixed(0)} ms` : `${p} +${(t - marks[i - 1]![1]).toFixed(0)} ms`));
      io.stderr(`flowaudit: timing: ${parts.join(', ')}, exit at ${performance.now().toFixed(0)} ms\n`);
    },
  };
}
