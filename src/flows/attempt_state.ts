/**
 * The engine's folded attempts (attempt_fold.ts) as portable data for `audit --emit-state`, and
 * the union of several sensors' for `merge`.
 */
import { EXAMPLES, OUTCOMES, type AttemptAggregate } from './attempt_fold.js';
import type { ConnState } from './conn_state.js';
import { HyperLogLog } from './hyperloglog.js';

/** An AttemptAggregate as JSON-able data (`audit --emit-state`): the sketch as base64, the address as text. */
export type AttemptAggregateState = Omit<AttemptAggregate, 'serverAddr' | 'sources'> & { sources: string };

export function attemptToState(a: AttemptAggregate): AttemptAggregateState {
  const { serverAddr: _w, sources, ...rest } = a;
  return { ...rest, states: { ...a.states }, outcomes: { ...a.outcomes }, exampleClients: [...a.exampleClients], sources: sources.toBase64() };
}

/**
 * The aggregates of several states (`merge`), one per (protocol, server, port): counts summed,
 * sketches united. Sensors that saw the same attempts count them twice (an aggregate has no 5-tuples to de-duplicate by).
 */
export function mergeAttemptStates(lists: readonly (readonly AttemptAggregateState[])[], words: (text: string) => Uint32Array): AttemptAggregate[] {
  const by = new Map<string, AttemptAggregate>();
  for (const list of lists) {
    for (const s of list) {
      const k = `${s.ipProto}|${s.server}|${s.port ?? '*'}|${s.keptSources === true}`;
      const sources = HyperLogLog.fromBase64(s.sources) ?? new HyperLogLog();
      const a = by.get(k);
      if (a === undefined) {
        by.set(k, { ...s, keptSources: s.keptSources === true, serverAddr: s.server === '*' ? new Uint32Array(4) : words(s.server), sources, states: { ...s.states }, outcomes: { ...s.outcomes }, exampleClients: [...s.exampleClients] });
        continue;
      }
      a.connections += s.connections;
      a.packets += s.packets;
      a.bytes += s.bytes;
      a.firstSeen = Math.min(a.firstSeen, s.firstSeen);
      a.lastSeen = Math.max(a.lastSeen, s.lastSeen);
      for (const [st, n] of Object.entries(s.states) as [ConnState, number][]) a.states[st] = (a.states[st] ?? 0) + n;
      for (const o of OUTCOMES) a.outcomes[o] += s.outcomes[o];
      a.sources.merge(sources);
      for (const x of s.exampleClients) if (a.exampleClients.length < EXAMPLES && !a.exampleClients.includes(x)) a.exampleClients.push(x);
      a.lateAnswers += s.lateAnswers;
    }
  }
  return [...by.values()];
}
