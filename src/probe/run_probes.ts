/**
 * Running a list of probes: rate-limited (token bucket), at most `maxInFlight` at once, within a
 * total time budget. A probe is started only if it can finish (start + timeout) inside the budget;
 * the others are returned as not tried (null), never guessed. The clock, the sleep and the probe
 * functions are injectable so the scheduling is tested without a network.
 */
import { TokenBucket } from './token_bucket.js';
import { tcpProbe } from './tcp_probe.js';
import { udpProbe } from './udp_probe.js';
import type { ProbeOutcome, ProbeTarget } from './probe_types.js';

export interface RunOptions {
  ratePerSecond: number;
  budgetMs: number;
  timeoutMs: number;
  maxInFlight?: number;
  /** Called once a probe has finished (progress). */
  onResult?: (index: number, outcome: ProbeOutcome) => void;
}

export interface RunDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  probe: (t: ProbeTarget, timeoutMs: number, seq: number) => Promise<ProbeOutcome>;
}

export const networkDeps: RunDeps = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  probe: (t, timeoutMs, seq) => (t.protocol === 'tcp' ? tcpProbe(t.address, t.port, timeoutMs) : udpProbe(t.address, t.port, t.request, timeoutMs, seq)),
};

/** Outcomes in the targets' order; null for a probe the budget left no time for. */
export async function runProbes(targets: readonly ProbeTarget[], o: RunOptions, deps: RunDeps = networkDeps): Promise<(ProbeOutcome | null)[]> {
  const out: (ProbeOutcome | null)[] = targets.map(() => null);
  const start = deps.now();
  const deadline = start + o.budgetMs;
  const bucket = new TokenBucket(o.ratePerSecond, 1, deps.now);
  const max = Math.max(1, o.maxInFlight ?? 64);
  const running = new Set<Promise<void>>();
  const seed = Math.floor(Math.random() * 0x10000);
  for (let i = 0; i < targets.length; i++) {
    const wait = bucket.reserve();
    if (deps.now() + wait + o.timeoutMs > deadline) break; // this one and the rest: not tried (budget)
    if (wait > 0) await deps.sleep(wait);
    const p = deps.probe(targets[i]!, o.timeoutMs, seed + i).then((r) => {
      out[i] = r;
      o.onResult?.(i, r);
      running.delete(p);
    });
    running.add(p);
    if (running.size >= max) await Promise.race(running);
  }
  await Promise.all(running);
  return out;
}
