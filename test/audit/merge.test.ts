/**
 * Merging sensors gives the audit of all their inputs in one run. The bundled lab is split (1) by
 * time into two files of one sensor, and (2) by sensor into two overlapping captures of the same
 * traffic: one tap sees every packet touching the server subnet 10.0.0.0/24, the other every
 * packet with an end outside it, so connections between the subnet and the rest are captured by
 * both. Each piece is audited with --emit-state; merging the states must give the same rules,
 * unexpected groups, names and counts as one audit of the whole lab.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open_capture.js';
import { PcapngWriter } from '../../src/capture/pcapng_writer.js';
import { newRawPacket } from '../../src/capture/source.js';
import { decodePacket } from '../../src/decode/decode_packet.js';
import { DecodedPacket, L3 } from '../../src/decode/decoded.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

interface Pkt {
  bytes: Uint8Array;
  wirelen: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  /** Both ends in 10.0.0.0/24 / at least one end there (IPv4 only); null for non-IP frames. */
  inServerNet: [both: boolean, any: boolean] | null;
}

function readLab(): Pkt[] {
  const src = openCapture(LAB);
  const raw = newRawPacket();
  const d = new DecodedPacket();
  const out: Pkt[] = [];
  while (src.next(raw)) {
    decodePacket(raw.data, raw.offset, raw.caplen, raw.linkType, d);
    const ip = d.l3 === L3.IPv4 || d.l3 === L3.IPv6;
    const inNet = (w: Uint32Array): boolean => d.l3 === L3.IPv4 && w[3]! >>> 8 === 0x0a0000;
    out.push({
      bytes: raw.data.slice(raw.offset, raw.offset + raw.caplen),
      wirelen: raw.wirelen,
      tsSec: raw.tsSec,
      tsNsec: raw.tsNsec,
      linkType: raw.linkType,
      inServerNet: ip ? [inNet(d.src) && inNet(d.dst), inNet(d.src) || inNet(d.dst)] : null,
    });
  }
  src.close();
  return out;
}

function write(path: string, pkts: Pkt[]): string {
  const w = PcapngWriter.toFile(path);
  const ifaces = new Map<number, number>();
  for (const p of pkts) {
    let id = ifaces.get(p.linkType);
    if (id === undefined) ifaces.set(p.linkType, (id = w.addInterface({ linkType: p.linkType, tsResolution: 'ns' })));
    w.writePacket(id, p.tsSec, p.tsNsec, p.bytes, 0, p.bytes.length, p.wirelen);
  }
  w.close();
  return path;
}

async function auditState(dir: string, capture: string, sensor: string): Promise<string> {
  const state = join(dir, `${sensor}-${capture.split('/').pop()}.state.json`);
  const r = await runCli(['audit', capture, '-i', INV, '--sensor', sensor, '--emit-state', state, '-f', 'json']);
  expect(r.code).toBe(1);
  writeFileSync(state, r.files.get(state) as string);
  return state;
}

/** What must be equal: everything the audit concluded (a merge also names the windows a missing rule was missing over). */
function conclusions(report: string) {
  const j = JSON.parse(report);
  return {
    verdict: j.verdict,
    verdictReasons: j.verdictReasons,
    summary: j.summary,
    rules: j.rules.map((r: { status: string; reason: string | null }) => ({ ...r, reason: r.status === 'missing' ? null : r.reason })),
    unexpected: j.unexpected,
    names: j.names,
    nearMisses: j.nearMisses,
  };
}

describe('merge', () => {
  const pkts = readLab();
  const dir = mkdtempSync(join(tmpdir(), 'fa-merge-'));
  const whole = runCli(['audit', LAB, '-i', INV, '-f', 'json']).then((r) => conclusions(r.stdout));

  it('two halves of one sensor, split by time, merge to the whole', async () => {
    const mid = Math.floor(pkts.length / 2);
    const a = write(join(dir, 'first.pcapng'), pkts.slice(0, mid));
    const b = write(join(dir, 'second.pcapng'), pkts.slice(mid));
    const states = [await auditState(dir, a, 'lab-tap'), await auditState(dir, b, 'lab-tap')];
    const r = await runCli(['merge', ...states, '-f', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.merge).toMatchObject({ parts: 2, duplicates: 0 });
    expect(j.merge.continued).toBeGreaterThan(0); // connections spanning the split were re-joined
    expect(j.sensors).toHaveLength(1);
    expect(j.inputs.map((i: { path: string }) => i.path)).toEqual([a, b]);
    expect(conclusions(r.stdout)).toEqual(await whole);
  });

  it('two sensors that folded flood attempts to one target over overlapping times: merge warns that the sum is an upper bound', async () => {
    const mid = Math.floor(pkts.length / 2);
    const paths = [write(join(dir, 'fold-a.pcapng'), pkts.slice(0, mid)), write(join(dir, 'fold-b.pcapng'), pkts.slice(mid))];
    const states = [await auditState(dir, paths[0]!, 'tap1'), await auditState(dir, paths[1]!, 'tap2')];
    // Folded attempts only come from a flood past the table's budget: one aggregate per state, written in.
    const attempt = { protocol: 'tcp', ipProto: 6, server: '10.0.0.2', port: 445, connections: 1000, packets: 1000, bytes: 60000, firstSeen: 1772442000000000, lastSeen: 1772442005000000, states: { S0: 1000 }, outcomes: { answered: 0, refused: 0, unanswered: 1000 }, sources: '', exampleClients: ['198.51.100.7'], lateAnswers: 0, keptSources: false };
    for (const st of states) {
      const j = JSON.parse(readFileSync(st, 'utf8'));
      j.facts.attempts = [attempt];
      writeFileSync(st, JSON.stringify(j));
    }
    const r = await runCli(['merge', ...states, '-f', 'json']);
    expect(r.stderr).toContain('flowaudit: warning: sensors "tap1" and "tap2" both folded attempts to tcp 10.0.0.2/445');
    expect(JSON.parse(r.stdout).merge.warnings).toEqual([expect.stringMatching(/counts any both saw twice \(an upper bound\)$/)]);
  });

  it('two sensors capturing overlapping traffic merge to the whole, each shared connection counted once', async () => {
    const dc = pkts.filter((p) => p.inServerNet === null || p.inServerNet[1]);
    const edge = pkts.filter((p) => p.inServerNet !== null && !p.inServerNet[0]);
    const shared = pkts.filter((p) => p.inServerNet !== null && p.inServerNet[1] && !p.inServerNet[0]).length;
    expect(shared).toBeGreaterThan(0);
    expect(dc.length + edge.length - shared).toBe(pkts.length);
    const states = [
      await auditState(dir, write(join(dir, 'dc.pcapng'), dc), 'dc-tap'),
      await auditState(dir, write(join(dir, 'edge.pcapng'), edge), 'edge-tap'),
    ];
    const r = await runCli(['merge', ...states, '-f', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.merge.duplicatePackets).toBe(shared);
    expect(j.merge.duplicates).toBeGreaterThan(0);
    expect(j.sensors.map((s: { name: string; packets: number }) => [s.name, s.packets])).toEqual([['dc-tap', dc.length], ['edge-tap', edge.length]]);
    expect(conclusions(r.stdout)).toEqual(await whole);
  });

  it('without de-duplication (the same traffic under one sensor name) the counts differ, and merge warns (the test can fail)', async () => {
    const dc = pkts.filter((p) => p.inServerNet === null || p.inServerNet[1]);
    const edge = pkts.filter((p) => p.inServerNet !== null && !p.inServerNet[0]);
    const states = [
      await auditState(dir, write(join(dir, 'dc2.pcapng'), dc), 'one'),
      await auditState(dir, write(join(dir, 'edge2.pcapng'), edge), 'one'),
    ];
    const r = await runCli(['merge', ...states, '-f', 'json']);
    expect(r.stderr).toMatch(/overlap in time/);
    expect(conclusions(r.stdout).summary.packets).toBeGreaterThan((await whole).summary.packets);
  });

  it('refuses a state audited against another inventory, the same input twice, and a file that is not a state', async () => {
    const s = await auditState(dir, LAB, 'x');
    let r = await runCli(['merge', s, s, '-f', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is in both .* it would be counted twice/);
    const other = join(dir, 'other-inv.json');
    writeFileSync(other, JSON.stringify({ roles: { 'ams-server': ['10.0.0.5'] } }));
    r = await runCli(['merge', s, '-i', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was audited with inventory/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schema":"flowaudit/audit@1"}');
    r = await runCli(['merge', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a flowaudit state file/);
  });

  // Found by mutating a state file's bytes: these shapes used to end in an internal error (exit 70).
  it.each([
    ['an input without its interfaces', (j: Record<string, any>) => { delete j.facts.inputs[0].info.interfaces; }, /input 0 is malformed/],
    ['an address that does not parse', (j: Record<string, any>) => { j.facts.connections[0][2] = '10.W.3.27'; }, /connection 0 is malformed/],
    ['a port that is not one', (j: Record<string, any>) => { j.facts.connections[1][5] = 70000; }, /connection 1 is malformed/],
    ['a packet count that is text', (j: Record<string, any>) => { j.facts.connections[2][6] = '1'; }, /connection 2 is malformed/],
  ])('a state file with %s is refused in one line (exit 2)', async (_name, edit, message) => {
    const s = await auditState(dir, LAB, 'y');
    const j = JSON.parse(readFileSync(s, 'utf8'));
    edit(j);
    writeFileSync(s, JSON.stringify(j));
    const r = await runCli(['merge', s, '-f', 'json']);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.code).toBe(2);
  });
});

describe('merge of flow-log inputs (flowaudit flows JSONL shipped by two sensors)', () => {
  it('two sensors whose logs share the connections between their networks merge to the audit of the whole log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-merge-rec-'));
    const flows = await runCli(['flows', LAB]);
    const lines = flows.stdout.trim().split('\n');
    const inNet = (a: string): boolean => a.startsWith('10.0.0.');
    const rows = lines.map((l) => JSON.parse(l) as { client: string; server: string });
    const dcLines = lines.filter((_, i) => inNet(rows[i]!.client) || inNet(rows[i]!.server));
    const edgeLines = lines.filter((_, i) => !(inNet(rows[i]!.client) && inNet(rows[i]!.server)));
    const shared = dcLines.length + edgeLines.length - lines.length;
    expect(shared).toBeGreaterThan(0);
    const all = join(dir, 'all.jsonl');
    const dc = join(dir, 'dc.jsonl');
    const edge = join(dir, 'edge.jsonl');
    writeFileSync(all, `${lines.join('\n')}\n`);
    writeFileSync(dc, `${dcLines.join('\n')}\n`);
    writeFileSync(edge, `${edgeLines.join('\n')}\n`);
    // Per row, as the sensors' states keep them (an aggregated audit lists Community IDs only for one-row tuples).
    const whole = await runCli(['audit', all, '-i', INV, '-f', 'json', '--flow-log-rows']);
    expect(JSON.parse(whole.stdout).summary.connections).toBe(lines.length);
    const states = [await auditState(dir, dc, 'dc-tap'), await auditState(dir, edge, 'edge-tap')];
    const r = await runCli(['merge', ...states, '-f', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.merge.duplicates).toBe(shared);
    expect(conclusions(r.stdout)).toEqual(conclusions(whole.stdout));
  });
});
