/**
 * A stand-in for the follower (src/watch/follow, built by another helper) in tests of the core:
 * batches of complete lines as followLogs yields them, built from arrays.
 */
import { watchPolicy } from '../../src/watch/policy.js';
import { WatchCore, type WatchCoreOptions } from '../../src/watch/watch_core.js';
import type { WatchEvent } from '../../src/watch/events.js';
import { loadInventory, loadMatrix } from '../../src/matrix/index.js';

export function labPolicy(inventory = 'fixtures/ams-lab.inventory.json') {
  const matrix = loadMatrix('builtin:ams');
  return watchPolicy(matrix, loadInventory(inventory, matrix), []);
}

export function core(opts: Partial<WatchCoreOptions> = {}): { core: WatchCore; events: WatchEvent[]; notes: string[] } {
  const events: WatchEvent[] = [];
  const notes: string[] = [];
  const c = new WatchCore({
    policy: labPolicy(),
    repeatUs: 3600e6,
    quietAfterUs: null,
    learnUs: null,
    host: null,
    emit: (e) => events.push(e),
    reportDir: null,
    reportEveryUs: 3600e6,
    note: (m) => notes.push(m),
    ...opts,
  });
  return { core: c, events, notes };
}

export const action = (e: WatchEvent): string => (e.event as { action: string }).action;
export const kind = (e: WatchEvent): string => (e.event as { kind: string }).kind;
export const fa = (e: WatchEvent): Record<string, unknown> => e.flowaudit as Record<string, unknown>;
