/**
 * FlowEngine.release (watch -i: a connection leaves the table once written as a row): what is
 * released plus what stays is exactly the plain run's connections, none lost or repeated, packets
 * and bytes included; a later packet on a released 5-tuple starts a new connection.
 */
import { describe, expect, it } from 'vitest';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { openCapture } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { loadPolicy } from '../../src/cli/options.js';
import type { Connection } from '../../src/flows/connection.js';
import { collectFacts } from '../../src/flows/facts.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';

const LAB = 'fixtures/ams-lab.pcapng';
const sp = serverPortsFor(loadPolicy(undefined, 'fixtures/ams-lab.inventory.json', undefined).matrix);

const key = (c: Connection): string => `${c.protocol} ${c.client}:${c.clientPort} > ${c.server}:${c.serverPort} ${c.packets}p ${c.bytes}B ${c.state}`;

/** Ingest the lab; every `every` packets call `tick(engine, packetTsUs)`. */
function ingestLab(tick?: (e: FlowEngine, nowUs: number) => void, every = 10): FlowEngine {
  const engine = new FlowEngine({ serverPorts: sp });
  const src = openCapture(LAB);
  const pkt = newRawPacket();
  let n = 0;
  while (src.next(pkt)) {
    engine.ingest(pkt);
    if (tick && ++n % every === 0) tick(engine, pkt.tsSec * 1e6 + pkt.tsNsec / 1000);
  }
  src.close();
  return engine;
}

function remaining(e: FlowEngine): string[] {
  const out: string[] = [];
  collectFacts(e, [], sp).connections.forEach((c) => out.push(key(c)));
  return out;
}

describe('FlowEngine.release', () => {
  const plain = remaining(ingestLab()).sort();

  it('releasing everything at the end gives every connection once and empties the table', () => {
    const e = ingestLab();
    const rows: string[] = [];
    expect(e.release(() => true, (c) => rows.push(key(c)))).toBe(plain.length);
    expect(e.table.size).toBe(0);
    expect(rows.sort()).toEqual(plain);
  });

  it.each([
    ['idle 5 s, every 10 packets', 5e6, 10],
    ['idle 1 s, every 3 packets', 1e6, 3],
  ])('releasing idle connections during the run (%s): released + left = the plain run', (_name, idleUs, every) => {
    const rows: string[] = [];
    const e = ingestLab((eng, now) => void eng.release((t, id) => now - t.lastTs[id]! > idleUs, (c) => rows.push(key(c))), every);
    expect(rows.length).toBeGreaterThan(0); // it really released something mid-run
    expect([...rows, ...remaining(e)].sort()).toEqual(plain);
  });

  it('a packet after its connection was released starts a new connection', () => {
    const e = ingestLab();
    const first = new FlowEngine({ serverPorts: sp });
    const src = openCapture(LAB);
    const pkt = newRawPacket();
    while (first.table.size === 0 && src.next(pkt)) first.ingest(pkt); // the first packet that makes a connection
    expect(e.release(() => true, () => {})).toBe(plain.length);
    e.ingest(pkt);
    src.close();
    expect(e.table.size).toBe(1);
  });
});
