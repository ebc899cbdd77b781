/**
 * A memory budget for a process that runs for weeks. watch's own state is bounded (aggregates,
 * folded groups, capped caches), but V8 collects its old generation lazily: left alone, a busy
 * watch lets garbage (parsed rows, hourly reports rendered and written) pile up to several times
 * what is alive before a full collection. check() asks V8 for a full collection when the heap in use
 * passes the budget, at most once per MIN_GAP_MS; the cost is a few tens of ms, only when needed.
 * V8's gc() is reached the documented way (the --expose-gc flag, set at run time, then the function
 * of a new context); when that is not available the budget is not enforced (check() does nothing).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MIN_GAP_MS = 1000;

export class HeapBudget {
  private readonly gc: (() => void) | null;
  private last = 0;
  /** Full collections asked for. */
  collections = 0;

  constructor(private readonly budgetBytes: number) {
    let gc: (() => void) | null = null;
    try {
      setFlagsFromString('--expose-gc');
      const f = runInNewContext('gc') as unknown;
      if (typeof f === 'function') gc = f as () => void;
    } catch {
      gc = null;
    }
    this.gc = gc;
  }

  get enforced(): boolean {
    return this.gc !== null;
  }

  /**
   * A full collection now, whatever the heap in use: before a rolling report, whose audit and
   * rendering need tens of MB for a moment, so they add to what is alive rather than to garbage.
   */
  collect(): void {
    if (this.gc === null) return;
    this.last = Date.now();
    this.gc();
    this.collections++;
  }

  check(): void {
    if (this.gc === null) return;
    const now = Date.now();
    if (now - this.last < MIN_GAP_MS) return;
    if (getHeapStatistics().used_heap_size < this.budgetBytes) return;
    this.last = now;
    this.gc();
    this.collections++;
  }
}
