/** Folding idle connections must not change the audit: rules and unexpected groups count the same. */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { openCapture } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { loadPolicy } from '../../src/cli/options.js';
import { ConnectionTable } from '../../src/flows/connection_table.js';
import { collectFacts } from '../../src/flows/facts.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { addressWords } from '../../src/matrix/inventory.js';

const LAB = 'fixtures/ams-lab.pcapng';
const policy = loadPolicy(undefined, 'fixtures/ams-lab.inventory.json', undefined);
const sp = serverPortsFor(policy.matrix);

/** Ingest the lab; every `every` packets call `fold(engine, packetTsUs)`. */
function ingestLab(fold?: (e: FlowEngine, nowUs: number) => void, every = 10): FlowEngine {
  const engine = new FlowEngine();
  const src = openCapture(LAB);
  const pkt = newRawPacket();
  let n = 0;
  while (src.next(pkt)) {
    engine.ingest(pkt);
    if (fold && ++n % every === 0) fold(engine, pkt.tsSec * 1e6 + pkt.tsNsec / 1000);
  }
  src.close();
  return engine;
}

function audit(engine: FlowEngine) {
  const r = runAudit(collectFacts(engine, [], sp), policy.matrix, policy.inventory, {
    scope: 'inventory',
    features: [],
    generatedAt: 'x',
  });
  return { summary: r.summary, rules: r.rules, unexpected: r.unexpected, verdict: r.verdict, reasons: r.verdictReasons };
}

describe('folding idle connections', () => {
  const plain = audit(ingestLab());

  it('folding everything at the end gives the same audit', () => {
    const e = ingestLab();
    const folded = e.foldIdle(Number.MAX_SAFE_INTEGER, 0, sp);
    expect(folded).toBe(39);
    expect(e.table.size).toBe(0);
    expect(e.folded.size).toBeLessThan(39);
    expect(audit(e)).toEqual(plain);
  });

  it('folding during the run (idle 2 s, checked every 10 packets) gives the same audit', () => {
    let total = 0;
    const e = ingestLab((eng, now) => void (total += eng.foldIdle(now, 2e6, sp)));
    expect(total).toBeGreaterThan(0); // it really folded something mid-run
    expect(e.table.size + e.folded.connections).toBe(39);
    expect(audit(e)).toEqual(plain);
  });

  it('a too-short timeout splits connections, and the audit shows it (tests can fail)', () => {
    const e = ingestLab((eng, now) => void eng.foldIdle(now + 1, 0, sp), 1); // fold after every packet
    expect(e.table.size + e.folded.connections).toBeGreaterThan(39);
  });
});

describe('ConnectionTable.compact', () => {
  it('keeps order and lookups in both directions, and reuses freed ids from zero', () => {
    const t = new ConnectionTable(4);
    const a = addressWords('10.0.0.1');
    const b = addressWords('10.0.0.2');
    for (let p = 1; p <= 10; p++) {
      const id = t.lookup(6, a, 40000 + p, b, 80, p);
      t.count(id, t.dir, 100, p);
    }
    const keep = new Uint8Array(10);
    for (let i = 0; i < 10; i += 2) keep[i] = 1;
    const remap = t.compact(keep);
    expect([...remap]).toEqual([0, -1, 1, -1, 2, -1, 3, -1, 4, -1]);
    expect(t.size).toBe(5);
    expect(t.lookup(6, b, 80, a, 40005, 0)).toBe(2);
    expect(t.dir).toBe(1);
    expect(t.portA[2]).toBe(40005);
    const fresh = t.lookup(6, a, 40002, b, 80, 99);
    expect(fresh).toBe(5);
    expect(t.packets[fresh << 1]).toBe(0);
    expect(t.lastTs[fresh]).toBe(0);
  });
});
