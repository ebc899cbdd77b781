/**
 * The flood budget: unanswered unexpected connections beyond it fold per target with exact counts
 * and an estimate of distinct sources (HyperLogLog, tested for its error bound); answered flows and
 * floods below the budget are listed as before; nothing is lost (every connection is counted once).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { FLOOD_BUDGET, MAX_GROUPS } from '../../src/audit/flood.js';
import { HLL_ERROR, HyperLogLog } from '../../src/audit/hyperloglog.js';
import type { AuditResult } from '../../src/audit/result.js';
import { emptyConnection, type Connection } from '../../src/flows/connection.js';
import type { CaptureFacts, ConnectionSet } from '../../src/flows/facts.js';
import { parseAddressWords } from '../../src/ip_text.js';
import { loadInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';

describe('HyperLogLog', () => {
  const v4 = (n: number): Uint32Array => new Uint32Array([0, 0, 0xffff, n >>> 0]);
  it.each([
    // distinct values, spread (sequential like a spoofed flood, or scattered), allowed relative error
    [0, 1, 0],
    [1, 1, 0],
    [10, 1, 0.1],
    [100, 1, 0.03],
    [1000, 1, 4 * HLL_ERROR],
    [10_000, 7919, 4 * HLL_ERROR],
    [100_000, 1, 4 * HLL_ERROR],
    [1_000_000, 1, 4 * HLL_ERROR],
    [1_000_000, 2654435761, 4 * HLL_ERROR],
  ])('%i distinct addresses (step %i): within %f', (n, step, tolerance) => {
    const h = new HyperLogLog();
    const base = 0xac100000; // 172.16.0.0
    for (let i = 0; i < n; i++) h.addWords(v4(base + Math.imul(i, step)));
    // Every value again: duplicates change nothing.
    for (let i = 0; i < Math.min(n, 1000); i++) h.addWords(v4(base + Math.imul(i, step)));
    const e = h.estimate();
    expect(Math.abs(e - n)).toBeLessThanOrEqual(Math.max(tolerance * n, 0));
  });

  it('IPv6 addresses too', () => {
    const h = new HyperLogLog();
    const w = new Uint32Array(4);
    for (let i = 0; i < 50_000; i++) {
      parseAddressWords(`2001:db8::${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`, w);
      h.addWords(w);
    }
    expect(Math.abs(h.estimate() - 50_000)).toBeLessThanOrEqual(4 * HLL_ERROR * 50_000);
  });
});

class ArraySet implements ConnectionSet {
  constructor(private readonly list: Connection[]) {}
  get size(): number {
    return this.list.length;
  }
  forEach(visit: (c: Connection) => void): void {
    this.list.forEach(visit);
  }
  toArray(): Connection[] {
    return this.list;
  }
  get(id: number, c: Connection): Connection {
    return Object.assign(c, this.list[id]);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-flood-'));
const invPath = join(dir, 'inventory.json');
writeFileSync(invPath, JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2'] } }));

/** `clients` sources (172.16.x.y), `each` connections apiece, to 10.0.0.10:3389 (no rule allows it). */
function flood(clients: number, each: number, outcome: Connection['outcome']): Connection[] {
  const out: Connection[] = [];
  for (let k = 0; k < clients; k++) {
    for (let j = 0; j < each; j++) {
      const id = out.length;
      const c = emptyConnection();
      const client = `172.16.${k >> 8}.${k & 255}`;
      parseAddressWords(client, c.clientAddr);
      parseAddressWords('10.0.0.10', c.serverAddr);
      Object.assign(c, {
        id, protocol: 'tcp', ipProto: 6, client, clientPort: 1024 + j, server: '10.0.0.10', serverPort: 3389, packets: 1, packetsToServer: 1, bytes: 60, bytesToServer: 60,
        outcome, state: outcome === 'answered' ? 'SF' : outcome === 'refused' ? 'REJ' : 'S0', firstSeen: 1e15 + id, lastSeen: 1e15 + id, directionBy: 'syn',
      });
      out.push(c);
    }
  }
  return out;
}

function audit(conns: Connection[]): AuditResult {
  const matrix = loadMatrix('builtin:ams');
  const facts: CaptureFacts = {
    connections: new ArraySet(conns), packets: conns.length, bytes: 60 * conns.length, firstSeen: 1e15, lastSeen: 1e15 + conns.length,
    decodeErrors: {}, nonIpFrames: 0, ipv4Packets: conns.length, ipv6Packets: 0, inputs: [],
  };
  return runAudit(facts, matrix, loadInventory(invPath, matrix), { scope: 'all', features: [], generatedAt: '2026-01-01T00:00:00Z' });
}

const listed = (r: AuditResult): number => r.unexpected.reduce((n, g) => n + g.connections, 0);
const folded = (r: AuditResult): number => (r.floods ?? []).reduce((n, f) => n + f.connections, 0);

describe('flood budget', () => {
  it('spoofed sources, one SYN each: the first FLOOD_BUDGET are listed, the rest fold with exact counts', () => {
    const n = 3 * FLOOD_BUDGET;
    const r = audit(flood(n, 1, 'unanswered'));
    expect(r.unexpected).toHaveLength(FLOOD_BUDGET);
    expect(r.floods).toHaveLength(1);
    const f = r.floods![0]!;
    expect(f).toMatchObject({ server: '10.0.0.10', protocol: 'tcp', port: 3389, connections: n - FLOOD_BUDGET, packets: n - FLOOD_BUDGET, bytes: 60 * (n - FLOOD_BUDGET) });
    expect(f.outcomes).toEqual({ answered: 0, refused: 0, unanswered: n - FLOOD_BUDGET });
    expect(f.states).toEqual({ S0: n - FLOOD_BUDGET });
    expect(Math.abs(f.distinctClients - (n - FLOOD_BUDGET))).toBeLessThanOrEqual(4 * HLL_ERROR * (n - FLOOD_BUDGET));
    expect(f.exampleClients).toEqual(['172.16.3.232', '172.16.3.233', '172.16.3.234', '172.16.3.235', '172.16.3.236']);
    expect(listed(r) + folded(r)).toBe(n);
    expect(r.verdict).toBe('fail');
    expect(r.verdictReasons.join('\n')).toContain(`flood: ${n - FLOOD_BUDGET} unanswered unexpected connections folded beyond the budget into 1 entry; the largest to 10.0.0.10 tcp/3389`);
    expect(f.text).toContain('folded into one entry beyond the budget');
  });

  it('repeating sources: a listed source keeps all its connections; later sources fold', () => {
    const r = audit(flood(FLOOD_BUDGET + 500, 3, 'refused'));
    expect(r.unexpected).toHaveLength(FLOOD_BUDGET);
    expect(r.unexpected.every((g) => g.connections === 3)).toBe(true);
    expect(r.floods![0]!.connections).toBe(1500);
    expect(r.floods![0]!.outcomes.refused).toBe(1500);
    expect(Math.abs(r.floods![0]!.distinctClients - 500)).toBeLessThanOrEqual(0.05 * 500);
  });

  it('random ports: beyond the group limit, one many-ports entry per server (bounded whatever the shape)', () => {
    const conns = flood(MAX_GROUPS + 3000, 1, 'unanswered').map((c, i) => ({ ...c, serverPort: 1 + (i % 60000) }));
    const r = audit(conns);
    expect(r.unexpected.length).toBeLessThanOrEqual(MAX_GROUPS);
    expect(r.floods!.length).toBe(1);
    expect(r.floods![0]).toMatchObject({ server: '10.0.0.10', port: null });
    expect(listed(r) + folded(r)).toBe(conns.length);
  });

  it.each([
    ['answered flows never fold', FLOOD_BUDGET + 200, 'answered' as const],
    ['a flood within the budget is listed as before', FLOOD_BUDGET, 'unanswered' as const],
  ])('%s', (_name, n, outcome) => {
    const r = audit(flood(n, 1, outcome));
    expect(r.floods).toBeUndefined();
    expect(r.unexpected).toHaveLength(n);
    expect(listed(r)).toBe(n);
  });
});
