/**
 * The flow-log corpus (../shared/corpus/flowlogs, see its README and MANIFEST.tsv): each real Zeek
 * conn.log / Suricata eve.json is audited next to the capture it was made from, and the two audits
 * must agree. Table-driven over the manifest.
 *
 * The policy is generated per pair so that every flow meets a rule: one required rule per
 * (protocol, server port) seen in either input, between the roles "any" → "any" (0.0.0.0/0, ::/0).
 * So each rule's status (observed / failed / missing) tests orientation (which side is the server),
 * outcome (answered or not) and presence; its connection count tests what each tool calls a
 * connection. Flows without ports (ICMP, other protocols) land in unexpected groups, compared by
 * client, server, protocol and type.
 *
 * Where the tools cannot agree, DIFFERENCES says why, rule by rule; the test checks that exactly
 * those differ (so a fixed or a new difference fails it).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import type { AuditResult } from '../../src/audit/result.js';
import { analyseFiles } from '../../src/cli/pipeline.js';
import { loadInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const DIR = join(CORPUS_DIR, 'flowlogs');

interface Pair {
  name: string;
  log: string;
  capture: string;
  format: string;
}

function manifest(): Pair[] {
  const lines = readFileSync(join(DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const col = (row: string[], k: string): string => row[head.indexOf(k)]!;
  return lines.slice(1).map((l) => {
    const r = l.split('\t');
    return { name: col(r, 'name'), log: join(DIR, col(r, 'log_file')), capture: join(DIR, col(r, 'capture_file')), format: col(r, 'log_format') };
  });
}

/** What each audit says, in comparable form: rule → status and connections; unexpected group → connections. */
interface Summary {
  rules: Record<string, string>;
  unexpected: Record<string, number>;
}

function summary(r: AuditResult): Summary {
  const rules: Record<string, string> = {};
  for (const x of r.rules) rules[x.id] = `${x.status} ${x.connections}`;
  const unexpected: Record<string, number> = {};
  for (const g of r.unexpected) unexpected[`${g.protocol} ${g.client} → ${g.server} ${g.port}`] = g.connections;
  return { rules, unexpected };
}

const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-flowlogs-'));

async function auditBoth(p: Pair): Promise<{ capture: Summary; log: Summary; logResult: AuditResult }> {
  const anyPorts = loadMatrix('builtin:ams');
  const capFacts = await analyseFiles([p.capture], serverPortsFor(anyPorts));
  const logFacts = await analyseFiles([p.log], serverPortsFor(anyPorts));
  // One rule per (protocol, server port) seen by either tool.
  const keys = new Set<string>();
  for (const f of [capFacts, logFacts]) {
    f.connections.forEach((c) => {
      if (c.protocol === 'tcp' || c.protocol === 'udp') keys.add(`${c.protocol}/${c.serverPort}`);
    });
  }
  const rules = [...keys].sort().map((k) => {
    const [protocol, port] = k.split('/');
    return { id: k.replace("/", "-"), source: 'any', destination: 'any', protocol, ports: [port], requirement: 'required', description: `every ${k} flow` };
  });
  const matrixPath = join(tmp, `${p.name}.matrix.json`);
  writeFileSync(matrixPath, JSON.stringify({ name: 'corpus', version: '1', source: 'test', description: 'generated', roles: { any: { description: 'any host' } }, rules }));
  const invPath = join(tmp, `${p.name}.inventory.json`);
  writeFileSync(invPath, JSON.stringify({ roles: { any: ['0.0.0.0/0', '::/0'] } }));
  const matrix = loadMatrix(matrixPath);
  const inventory = loadInventory(invPath, matrix);
  const opts = { scope: 'all' as const, features: [], generatedAt: '2026-01-01T00:00:00Z' };
  // Re-read with this matrix's server ports, as the CLI would.
  const cap = runAudit(await analyseFiles([p.capture], serverPortsFor(matrix)), matrix, inventory, opts);
  const log = runAudit(await analyseFiles([p.log], serverPortsFor(matrix)), matrix, inventory, opts);
  return { capture: summary(cap), log: summary(log), logResult: log };
}

/**
 * Pair → what differs between the two audits and why: [rule id or unexpected-group key (exact text or
 * pattern), reason]. Every difference must be explained by exactly one entry, and every entry must
 * explain at least one difference, so a fixed or a new difference fails the test.
 */
type Explained = [string | RegExp, string][];

const NOT_DECODED = (what: string): string =>
  `the packet engine does not decode ${what} (those frames count as non-IP or unsupported), Zeek does: the capture audit has no such flow, the log audit has Zeek's row`;
const TUNNEL =
  'flowaudit does not open tunnels (README "Supported inputs": the outer flow is the flow); Zeek logs the inner connection and no row for the GRE/ERSPAN outer packets';
const vlanMpls: Explained = [['tcp-23', NOT_DECODED('MPLS-labelled frames (10.1.2.1 → 10.34.0.1:23, 11 frames)')]];

const DIFFERENCES: Record<string, Explained> = {
  'zeek__core.vlan-mpls': vlanMpls,
  'zeek__core.vlan-mpls__2013-08-26': vlanMpls,
  'zeek__core.vlan-mpls__2011-12-19': vlanMpls,
  'zeek__core.pppoe': [[/^udp-54[67]$|^icmpv6 /, NOT_DECODED('PPPoE session frames (DHCPv6, ICMPv6 echo)')]],
  'zeek__scripts.policy.protocols.conn.mac-logging__conn2': [[/^udp-(53|5353)$/, NOT_DECODED('the 802.11 radiotap link type')]],
  'zeek__core.erspanII': [
    ['gre 2.2.2.2 → 1.1.1.1 0', TUNNEL],
    ['icmp 23.0.0.2 → 23.0.0.3 8', TUNNEL],
  ],
  'zeek__core.tunnels.gre': [
    [/^(tcp-22|udp-123|udp-53)$/, TUNNEL],
    [/^(gre|icmp) /, TUNNEL],
  ],
  'zeek__core.tunnels.vxlan': [
    ['icmp 10.0.0.1 → 10.0.0.2 8', 'VXLAN: both audits have the outer UDP/4789 flows, but only Zeek opens the tunnel and logs the inner ICMP echo as well'],
  ],
  'zeek__scripts.base.frameworks.logging.field-name-map2': [
    ['tcp-20000', 'Zeek ran without -C and dropped the 3 replies from 192.168.1.1:20000 for bad TCP checksums, so its row is S0 (unanswered, rule failed); flowaudit counts every frame, sees the replies and the rule observed'],
  ],
  'zeek__core.checksums_ignore_nets__conn-failed': [
    ['tcp-80', 'Zeek ran without -C: the 6 frames with bad checksums give a row of their own (OTH, 0 packets) beside the SH row, so the log has 2 connections on the 5-tuple the capture audit counts once; both audits say observed'],
  ],
  'zeek__scripts.base.protocols.ssh.half-duplex-client': [
    ['tcp-22', 'Zeek logs 5 of the 20 one-way connections twice (an S0 row, then an SH row on the same 5-tuple), so 25 log rows against 20 connections; both audits say failed (no reply captured)'],
  ],
  'zeek__core.cisco-fabric-path__2020-05-07': [
    [/^(proto 99|sctp) /, 'Zeek 3.2 logged no row for IP protocols without an analyzer (proto 99, SCTP); flowaudit, like Zeek 7.1 and later (the current log of the same capture agrees fully), makes them flows'],
  ],
};

/** Pairs whose per-connection facts differ although no rule status does, and why. */
const FACT_DIFFERENCES: Record<string, string> = {
  'zeek__core.cisco-fabric-path':
    'every flow is sent twice, plain and inside Cisco FabricPath (ethertype 0x8903); the packet engine does not decode FabricPath, so it counts 1 packet per flow where Zeek counts 2',
};

/** One line per connection: the facts both sources must agree on (bytes only when both count frame bytes). */
function factLines(facts: Awaited<ReturnType<typeof analyseFiles>>, withBytes: boolean): string[] {
  return facts.connections
    .toArray()
    .map((c) => `${c.protocol} ${c.client}:${c.clientPort} > ${c.server}:${c.serverPort} pkts ${c.packetsToServer}/${c.packetsToClient}${withBytes ? ` bytes ${c.bytesToServer}/${c.bytesToClient}` : ''} ${c.state} ${c.outcome}`)
    .sort();
}

describeShared('the flow-log corpus', () => {
describe.each(manifest())('$name', (p) => {
  it.skipIf(DIFFERENCES[p.name] !== undefined)('every connection has the same facts from the log as from the capture (client, server, packets each way, state, outcome)', async () => {
    const sp = serverPortsFor(loadMatrix('builtin:ams'));
    const log = await analyseFiles([p.log], sp, { records: 'rows' }); // per row: client ports are facts too
    const frame = log.inputs[0]!.byteBasis === 'frame';
    const a = factLines(await analyseFiles([p.capture], sp), frame);
    const b = factLines(log, frame);
    if (FACT_DIFFERENCES[p.name]) {
      expect(a).not.toEqual(b);
      expect(a.length).toBe(b.length);
    } else expect(b).toEqual(a);
  });

  it('auditing the log gives the same rule statuses and connection counts as auditing the capture (differences explained)', async () => {
    const { capture, log, logResult } = await auditBoth(p);
    expect(logResult.inputs[0]!.format).toBe(p.format === 'zeek-tsv' ? 'zeek-conn-tsv' : 'suricata-eve');
    expect(logResult.inputs[0]!.records!.malformed).toBe(0);
    const differs: Record<string, string> = {};
    for (const k of new Set([...Object.keys(capture.rules), ...Object.keys(log.rules)])) {
      if (capture.rules[k] !== log.rules[k]) differs[k] = `capture ${capture.rules[k] ?? '-'} / log ${log.rules[k] ?? '-'}`;
    }
    for (const k of new Set([...Object.keys(capture.unexpected), ...Object.keys(log.unexpected)])) {
      if (capture.unexpected[k] !== log.unexpected[k]) differs[k] = `capture ${capture.unexpected[k] ?? 0} / log ${log.unexpected[k] ?? 0}`;
    }
    const known = DIFFERENCES[p.name] ?? [];
    const matches = (pat: string | RegExp, k: string): boolean => (typeof pat === 'string' ? pat === k : pat.test(k));
    const unexplained = Object.keys(differs).filter((k) => known.filter(([pat]) => matches(pat, k)).length !== 1);
    expect(unexplained, JSON.stringify(differs, null, 1)).toEqual([]);
    const unused = known.filter(([pat]) => !Object.keys(differs).some((k) => matches(pat, k))).map(([pat]) => String(pat));
    expect(unused, 'explained differences that no longer occur').toEqual([]);
  });
});
}, 'corpus/flowlogs/MANIFEST.tsv');
