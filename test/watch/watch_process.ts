/** A real `flowaudit watch` process for tests: spawned, its events file read as it grows, stopped by signal, bounded in time. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface WatchProc {
  child: ChildProcess;
  stderr: () => string;
  events: () => Record<string, unknown>[];
  /** Resolves when an event satisfies `pred` (rejects after `ms`). */
  waitFor: (pred: (e: Record<string, unknown>) => boolean, ms?: number) => Promise<Record<string, unknown>>;
  /** Send `signal`, resolve with the exit code (kills after `ms`). */
  stop: (signal?: NodeJS.Signals, ms?: number) => Promise<number | null>;
}

/** `poll`: the follower's --poll (default: flowaudit's own, 500 ms). */
export function startWatch(args: string[], eventsFile: string, env: Record<string, string> = {}, poll: string | null = '100ms'): WatchProc {
  const child = spawn(process.execPath, [resolve('bin/flowaudit.js'), 'watch', ...args, '--output', eventsFile, ...(poll ? ['--poll', poll] : [])], {
    env: { ...process.env, SOURCE_DATE_EPOCH: '1765134000', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((r) => child.on('close', r));
  const events = (): Record<string, unknown>[] =>
    existsSync(eventsFile)
      ? readFileSync(eventsFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  return {
    child,
    stderr: () => err,
    events,
    waitFor: async (pred, ms = 10_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const hit = events().find(pred);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no such event within ${ms} ms; stderr: ${err}; events: ${events().map((e) => (e.event as { action: string }).action).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: async (signal = 'SIGTERM', ms = 15_000) => {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export const action = (e: Record<string, unknown>): string => (e.event as { action: string }).action;
export const fa = (e: Record<string, unknown>): Record<string, unknown> => e.flowaudit as Record<string, unknown>;
