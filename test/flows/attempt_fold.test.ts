/**
 * Attempt folding during ingest (flows/attempt_fold.ts): beyond the budget of live connections,
 * single-packet attempts (one SYN, one datagram, nothing back) fold into per-target aggregates with
 * exact counts; an answer arriving after its attempt folded puts the attempt back (or, once
 * committed, is counted as a late answer and kept as a connection); attempts from kept sources
 * (the inventory's) never fold, so the rules see them as without folding.
 */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { loadPolicy } from '../../src/cli/options.js';
import { HLL_ERROR } from '../../src/flows/hyperloglog.js';
import { isAttempt } from '../../src/flows/attempt_fold.js';
import { collectFacts } from '../../src/flows/facts.js';
import { mergeFactsStates } from '../../src/flows/facts_merge.js';
import { factsToState } from '../../src/flows/facts_state.js';
import { FlowEngine, type FlowEngineOptions } from '../../src/flows/flow_engine.js';
import { FEED_T0, feedFrames } from '../support/feed_engine.js';
import type { FrameOpts } from '../support/packets.js';

type F = FrameOpts & { t?: number };
const T0 = FEED_T0; // µs

const feed = (frames: F[], engine: FlowEngine): FlowEngine => feedFrames(frames, engine, 10);

const spoofed = (k: number): string => `172.16.${(k >> 8) & 255}.${k & 255}`;
const SERVER = '10.0.0.10';
const syn = (src: string, sport: number, dst = SERVER, dport = 443): F => ({ src, dst, proto: 'tcp', sport, dport, flags: 'S' });
const synAck = (src: string, sport: number, dst: string, dport: number): F => ({ src, dst, proto: 'tcp', sport, dport, flags: 'SA' });
const ack = (src: string, sport: number, dst: string, dport: number): F => ({ src, dst, proto: 'tcp', sport, dport, flags: 'A' });
const datagram = (src: string, sport: number, dport: number): F => ({ src, dst: SERVER, proto: 'udp', sport, dport, payload: new Uint8Array(4) });

describe('attempt folding: exact counts', () => {
  it.each([
    // shape, attempts, budget, one frame's bytes
    ['tcp SYNs, one source each', 'tcp', 300, 16, 54],
    ['tcp SYNs, one source each, budget larger than the flood (nothing folds)', 'tcp', 300, 1000, 54],
    ['udp datagrams, one source each', 'udp', 500, 32, 46],
    ['tcp SYNs, 2000 of them, budget 64', 'tcp', 2000, 64, 54],
  ] as const)('%s', (_name, proto, n, budget, frameBytes) => {
    const frames: F[] = [];
    for (let k = 0; k < n; k++) frames.push(proto === 'tcp' ? syn(spoofed(k), 40000) : datagram(spoofed(k), 40000, 3389));
    const e = feed(frames, new FlowEngine({ attemptBudget: budget }));
    const facts = collectFacts(e, [], serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix));
    const aggs = facts.attempts ?? [];
    const folded = aggs.reduce((s, a) => s + a.connections, 0);
    if (n <= budget) {
      // Below the budget nothing folds: every attempt is a connection of the table, as before.
      expect(folded).toBe(0);
      expect(e.table.size).toBe(n);
      return;
    }
    // Beyond it, every attempt (they are all attempts) ends in one aggregate, counted exactly.
    expect(e.table.size).toBe(0);
    expect(aggs).toHaveLength(1);
    const a = aggs[0]!;
    expect([a.server, a.protocol, a.port]).toEqual([SERVER, proto, proto === 'tcp' ? 443 : 3389]);
    expect(a.connections).toBe(n);
    expect(a.packets).toBe(n);
    expect(a.bytes).toBe(n * frameBytes);
    expect(a.firstSeen).toBe(T0 + 10);
    expect(a.lastSeen).toBe(T0 + 10 * n);
    expect(a.states).toEqual({ S0: n });
    expect(a.outcomes).toEqual({ answered: 0, refused: 0, unanswered: n });
    expect(a.lateAnswers).toBe(0);
    expect(Math.abs(a.sources.estimate() - n)).toBeLessThanOrEqual(Math.max(2, 4 * HLL_ERROR * n));
    expect(a.exampleClients).toHaveLength(5);
  });
});

describe('attempt folding: answers after the attempt folded', () => {
  const LATE = '172.31.0.1';
  it('an answer to a folded (pending) attempt puts it back: the connection is counted as without folding', () => {
    const frames: F[] = [syn(LATE, 50000)];
    for (let k = 0; k < 100; k++) frames.push(syn(spoofed(k), 40000));
    frames.push(synAck(SERVER, 443, LATE, 50000), ack(LATE, 50000, SERVER, 443));
    const e = new FlowEngine({ attemptBudget: 16 });
    feed(frames.slice(0, 101), e);
    expect(e.attempts.attempts).toBeGreaterThan(0);
    expect(e.table.size).toBeLessThan(101); // the late one's SYN has left the table
    feed(frames.slice(101).map((f, i) => ({ ...f, t: T0 + 10_000 + i })), e);
    expect(e.attempts.restored).toBe(1);
    const facts = collectFacts(e, [], serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix));
    const c = facts.connections.toArray().find((x) => x.client === LATE)!;
    expect(c).toMatchObject({ server: SERVER, serverPort: 443, clientPort: 50000, outcome: 'answered', state: 'S1', packetsToServer: 2, packetsToClient: 1, firstSeen: T0 + 10, directionBy: 'syn' });
    expect(c.history).toBe('SA' + 'h');
    // The other 100 attempts fold; the answered one is not among them.
    expect((facts.attempts ?? []).reduce((s, a) => s + a.connections, 0)).toBe(100);
  });

  it.each([
    // protocol, the late source, the server, the attempt, the answer
    ['udp', '172.31.0.2', SERVER, datagram('172.31.0.2', 50001, 3389), { src: SERVER, dst: '172.31.0.2', proto: 'udp', sport: 3389, dport: 50001, payload: new Uint8Array(8) } as F],
    ['tcp over IPv6', 'fd00:31::2', 'fd00:10::10', syn('fd00:31::2', 50002, 'fd00:10::10'), synAck('fd00:10::10', 443, 'fd00:31::2', 50002)],
  ])('%s: the answer to a pending attempt puts it back', (_p, late, server, attempt, answer) => {
    const v6 = server.includes(':');
    const frames: F[] = [attempt];
    for (let k = 0; k < 100; k++) frames.push(v6 ? syn(`fd00:16::${k.toString(16)}`, 40000, server) : datagram(spoofed(k), 40000, 3389));
    frames.push({ ...answer, t: T0 + 10_000 });
    const e = feed(frames, new FlowEngine({ attemptBudget: 16 }));
    expect(e.attempts.restored).toBe(1);
    const facts = collectFacts(e, [], serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix));
    const c = facts.connections.toArray().find((x) => x.client === late)!;
    expect(c).toMatchObject({ server, outcome: 'answered', packetsToServer: 1, packetsToClient: 1, firstSeen: T0 + 10 });
    const a = facts.attempts![0]!;
    expect([a.server, a.connections, a.packets]).toEqual([server, 100, 100]);
  });

  it('a retransmitted SYN after its attempt folded puts the attempt back: one connection of two SYNs, as without folding', () => {
    const frames: F[] = [syn(LATE, 50000)];
    for (let k = 0; k < 100; k++) frames.push(syn(spoofed(k), 40000));
    frames.push({ ...syn(LATE, 50000), t: T0 + 10_000 });
    const e = feed(frames, new FlowEngine({ attemptBudget: 16 }));
    expect(e.attempts.restored).toBe(1);
    const facts = collectFacts(e, [], serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix));
    const mine = facts.connections.toArray().filter((x) => x.client === LATE);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ packetsToServer: 2, packetsToClient: 0, outcome: 'unanswered', firstSeen: T0 + 10, lastSeen: T0 + 10_000 });
    expect(facts.attempts![0]!.connections).toBe(100);
  });

  it('a reply whose attempt was already committed stays a connection (answered) and counts as a late answer', () => {
    const frames: F[] = [];
    for (let k = 0; k < 100; k++) frames.push(syn(spoofed(k), 40000));
    const e = feed(frames, new FlowEngine({ attemptBudget: 16 }));
    e.attempts.commitPending(); // as if the pending set had been overrun
    feed([synAck(SERVER, 443, LATE, 50000)].map((f) => ({ ...f, t: T0 + 10_000 })), e);
    const facts = collectFacts(e, [], serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix));
    const a = facts.attempts![0]!;
    expect(a.lateAnswers).toBe(1);
    expect(a.connections).toBe(100);
    const c = facts.connections.toArray().find((x) => x.client === LATE)!;
    expect(c).toMatchObject({ server: SERVER, serverPort: 443, outcome: 'answered', directionBy: 'syn-ack' });
  });

  it('only one-packet attempts fold: a second packet, an answer or a non-SYN keeps a connection', () => {
    const e = feed(
      [syn('172.16.0.1', 1), syn('172.16.0.1', 1), { ...syn('172.16.0.2', 2), flags: 'A' }, syn('172.16.0.3', 3), datagram('172.16.0.4', 4, 53)],
      new FlowEngine(),
    );
    expect([0, 1, 2, 3].map((id) => isAttempt(e.table, id))).toEqual([false, false, true, true]);
  });
});

describe('attempt folding: a flood, then legitimate AMS flows, still classified', () => {
  const policy = loadPolicy(undefined, 'fixtures/ams-lab.inventory.json', undefined);
  const sp = serverPortsFor(policy.matrix);
  const WEB = '10.0.3.5'; // web-user
  const WEB_LOST = '10.0.3.6'; // web-user whose SYN is never answered
  const frames: F[] = [];
  for (let k = 0; k < 300; k++) frames.push(syn(spoofed(k), 40000));
  frames.push(syn(WEB_LOST, 51000));
  for (let k = 300; k < 600; k++) frames.push(syn(spoofed(k), 40000));
  frames.push(syn(WEB, 50000), synAck(SERVER, 443, WEB, 50000), ack(WEB, 50000, SERVER, 443));

  const audit = (opts: FlowEngineOptions) => {
    const e = feed(frames, new FlowEngine({ ...opts, keepClient: (a) => policy.inventory.hasAddress(a) }));
    return runAudit(collectFacts(e, [], sp), policy.matrix, policy.inventory, { scope: 'inventory', features: [], generatedAt: 'x' });
  };
  const plain = audit({ attemptBudget: 1_000_000 });
  const folded = audit({ attemptBudget: 32 });

  it('the rules come out the same as without folding (the web users are kept, answered or not)', () => {
    expect(folded.rules).toEqual(plain.rules);
    const https = folded.rules.find((r) => r.id === 'web-https')!;
    expect(https.outcomes).toEqual({ answered: 1, refused: 0, unanswered: 1 });
  });

  it('the flood is one aggregate with exact counts, folded while reading; nothing is lost', () => {
    expect(plain.floods ?? []).toEqual([]);
    expect(plain.unexpected).toHaveLength(600);
    expect(folded.unexpected).toHaveLength(0);
    expect(folded.floods).toHaveLength(1);
    expect(folded.floods![0]).toMatchObject({ server: SERVER, protocol: 'tcp', port: 443, connections: 600, packets: 600, foldedWhileReading: 600, lateAnswers: 0 });
    expect(folded.floods![0]!.text).toContain('single-packet attempts folded into one entry while reading, beyond the budget of 65,536 live connections');
    expect(folded.summary.connections).toBe(plain.summary.connections);
    expect(folded.summary.connectionsInScope).toBe(plain.summary.connectionsInScope);
    expect(folded.verdict).toBe('fail');
  });
});

describe('attempt folding: emit-state and merge keep the folded attempts', () => {
  const sp = serverPortsFor(loadPolicy(undefined, undefined, undefined).matrix);
  const sensor = (from: number, n: number) => {
    const frames: F[] = [];
    for (let k = from; k < from + n; k++) frames.push(syn(spoofed(k), 40000));
    return factsToState(collectFacts(feed(frames, new FlowEngine({ attemptBudget: 16 })), [], sp));
  };
  it.each([
    // sensors' first source and count; distinct sources in all
    [[[0, 100]], 100],
    [[[0, 100], [100, 200]], 300],
    [[[0, 100], [50, 100]], 150], // overlapping sources: counts add, the sketch unites
  ])('%j', (sensors, distinct) => {
    const states = sensors.map(([from, n]) => JSON.parse(JSON.stringify(sensor(from!, n!))));
    const { facts } = mergeFactsStates(states.map((facts, i) => ({ sensor: `s${i}`, facts })), sp, 0);
    const total = sensors.reduce((s, [, n]) => s + n!, 0);
    expect(facts.attempts).toHaveLength(1);
    const a = facts.attempts![0]!;
    expect([a.server, a.port, a.connections, a.packets, a.outcomes.unanswered]).toEqual([SERVER, 443, total, total, total]);
    expect(Math.abs(a.sources.estimate() - distinct)).toBeLessThanOrEqual(4 * HLL_ERROR * distinct);
  });
});

describe('attempt folding: kept sources fold only at the hard budget, and say so', () => {
  const policy = loadPolicy(undefined, 'fixtures/ams-lab.inventory.json', undefined);
  const sp = serverPortsFor(policy.matrix);
  // SYNs from web users (10.0.3.0/24, kept), each from its own source port, to the AMS server's 443.
  const frames: F[] = [];
  for (let k = 0; k < 400; k++) frames.push(syn(`10.0.3.${k % 200}`, 20000 + k));
  const run = (hardBudget: number) => {
    const e = feed(frames, new FlowEngine({ attemptBudget: 16, hardBudget, keepClient: (a) => policy.inventory.hasAddress(a) }));
    return runAudit(collectFacts(e, [], sp), policy.matrix, policy.inventory, { scope: 'inventory', features: [], generatedAt: 'x' });
  };
  it.each([
    // hard budget, connections folded while reading (kept sources)
    [1_000_000, 0],
    [64, 'some'],
  ] as const)('hard budget %i', (hard, folded) => {
    const r = run(hard);
    const https = r.rules.find((x) => x.id === 'web-https')!;
    const f = (r.floods ?? [])[0];
    if (folded === 0) {
      expect(https.outcomes.unanswered).toBe(400);
      expect(r.floods ?? []).toEqual([]);
      return;
    }
    expect(f!.inventorySourceAttempts).toBeGreaterThan(0);
    expect(https.outcomes.unanswered + f!.inventorySourceAttempts!).toBe(400); // nothing lost
    expect(f!.text).toContain('came from inventory addresses, folded only because the table reached its hard budget');
    expect(r.summary.connections).toBe(400);
  });
});
