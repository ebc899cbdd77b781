/**
 * A memory budget for a process that runs for weeks. watch's own state is bounded (aggregates,
 * folded groups, capped caches), but V8 collects its old generation lazily: left alone, a busy
 * watch lets garbage (parsed rows, hourly reports rendered and written) pile up to several times
 * what is alive before a full collection. check() asks V8 for a full collection when the heap in use
 * passes the budget, at most once per MIN_GAP_MS (and between the steps of a rolling report); the
 * cost is a few tens of ms, only when needed. It also stops the young generation growing past
 * YOUNG_CAP (capYoung).
 * V8's gc() is reached the documented way (the --expose-gc flag, set at run time, then the function
 * of a new context); when that is not available the budget is not enforced (check() does nothing).
 */
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MIN_GAP_MS = 250;
/** Young generation (both semi-spaces) beyond which it stops growing (see capYoung). */
const YOUNG_CAP = 8 << 20;

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

  private youngCapped = false;

  /**
   * V8 grows the young generation up to 32 MB (two 16 MB semi-spaces) under a high allocation
   * rate and keeps it. Past YOUNG_CAP, growth is stopped (--semi-space-growth-factor=1, a flag V8
   * reads at each growth, so setting it at run time works; --max-semi-space-size does not once the
   * heap exists). Done once, only in watch (the only caller).
   */
  private capYoung(): void {
    if (this.youngCapped) return;
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (young === undefined || young.space_size < YOUNG_CAP) return;
    this.youngCapped = true;
    try {
      setFlagsFromString('--semi-space-growth-factor=1');
    } catch {
      /* not settable: the young generation may grow to V8's own maximum */
    }
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

  /**
   * A full collection if the heap in use passes the budget, at most once per MIN_GAP_MS; `between`
   * (the steps of a rolling report: each leaves tens of MB of garbage) checks whatever the gap.
   */
  check(between = false): void {
    this.capYoung();
    if (this.gc === null) return;
    const now = Date.now();
    if (!between && now - this.last < MIN_GAP_MS) return;
    if (getHeapStatistics().used_heap_size < this.budgetBytes) return;
    this.last = now;
    this.gc();
    this.collections++;
  }
}
