/**
 * Aggregated flow logs give the audit of the rows: for every log of the flow-log corpus, and for
 * generated logs under the built-in AMS matrix, the audit of the tuples (FlowAggregates, the default)
 * and the audit of one connection per row (RecordTable) give the same verdict, the same rule
 * statuses with the same connection, outcome, state, packet and byte counts and times, and the same
 * unexpected groups. A pretty-printed eve.json gives the audit of the one-object-per-line file.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import type { AuditResult } from '../../src/audit/result.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { analyseFiles } from '../../src/cli/pipeline.js';
import { loadInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import type { RecordKeeping } from '../../src/records/collector.js';
import { CORPUS_DIR, describeShared, itShared } from '../support/shared.js';

const DIR = join(CORPUS_DIR, 'flowlogs');
const HAVE_CORPUS = existsSync(join(DIR, "MANIFEST.tsv"));
const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-aggregate-'));
const OPTS = { scope: 'all' as const, features: [], generatedAt: '2026-01-01T00:00:00Z' };

/** What the audit concludes, without what only rows carry (client ports, Community IDs, connection ids). */
function conclusions(r: AuditResult): unknown {
  return {
    verdict: r.verdict,
    reasons: r.verdictReasons,
    rules: r.rules.map((x) => ({ id: x.id, status: x.status, connections: x.connections, outcomes: x.outcomes, states: x.states, firstSeen: x.firstSeen, lastSeen: x.lastSeen })),
    unexpected: r.unexpected.map((g) => ({
      key: `${g.protocol} ${g.client} → ${g.server} ${g.port}`, connections: g.connections, packets: g.packets, bytes: g.bytes,
      outcomes: g.outcomes, states: g.states, firstSeen: g.firstSeen, lastSeen: g.lastSeen,
    })),
    connections: r.summary.connections,
  };
}

async function auditAs(path: string, matrixPath: string, invPath: string, records: RecordKeeping): Promise<AuditResult> {
  const matrix = loadMatrix(matrixPath);
  const inventory = loadInventory(invPath, matrix);
  return runAudit(await analyseFiles([path], serverPortsFor(matrix), { records }), matrix, inventory, OPTS);
}

function corpusLogs(): { name: string; log: string }[] {
  if (!HAVE_CORPUS) return [];
  const lines = readFileSync(join(DIR, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  return lines.slice(1).map((l) => {
    const r = l.split('\t');
    return { name: r[head.indexOf('name')]!, log: join(DIR, r[head.indexOf('log_file')]!) };
  });
}

/** One required rule per (protocol, server port) seen in the log, roles any → any (as flowlog_corpus.test.ts). */
async function anyMatrix(name: string, log: string): Promise<{ matrix: string; inventory: string }> {
  const facts = await analyseFiles([log], serverPortsFor(loadMatrix('builtin:ams')), { records: 'rows' });
  const keys = new Set<string>();
  facts.connections.forEach((c) => {
    if (c.protocol === 'tcp' || c.protocol === 'udp') keys.add(`${c.protocol}/${c.serverPort}`);
  });
  const rules = [...keys].sort().map((k) => {
    const [protocol, port] = k.split('/');
    return { id: k.replace('/', '-'), source: 'any', destination: 'any', protocol, ports: [port], requirement: 'required', description: k };
  });
  const matrix = join(tmp, `${name}.matrix.json`);
  writeFileSync(matrix, JSON.stringify({ name: 'corpus', version: '1', source: 'test', description: 'generated', roles: { any: { description: 'any host' } }, rules }));
  const inventory = join(tmp, `${name}.inventory.json`);
  writeFileSync(inventory, JSON.stringify({ roles: { any: ['0.0.0.0/0', '::/0'] } }));
  return { matrix, inventory };
}

describeShared('aggregated and per-row audits agree on every corpus log', () => {
  it.each(corpusLogs())('$name', async ({ name, log }) => {
    const { matrix, inventory } = await anyMatrix(name, log);
    const rows = await auditAs(log, matrix, inventory, 'rows');
    const tuples = await auditAs(log, matrix, inventory, 'tuples');
    expect(conclusions(tuples)).toEqual(conclusions(rows));
    expect(rows.summary.connections).toBeGreaterThan(0);
    // A tuple of one row keeps its client port, so its Community ID is the row's.
    const ids = (r: AuditResult): unknown => r.unexpected.filter((g) => g.connections === 1).map((g) => g.communityIds);
    expect(ids(tuples)).toEqual(ids(rows));
  });
});

/** A Zeek conn.log of `n` AMS-like rows (one in five unexpected RDP; some refused, some unanswered, some flipped). */
function generatedConnLog(n: number): string {
  const head = [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes',
  ];
  const flows = [
    ['10.0.0.10', '10.0.0.2', 389, 'tcp'], ['10.0.0.10', '10.0.0.3', 3268, 'tcp'], ['10.0.0.10', '10.0.0.2', 53, 'udp'],
    ['10.0.3.%', '10.0.0.10', 443, 'tcp'], ['10.0.2.%', '10.0.0.2', 389, 'tcp'], ['10.0.5.%', '10.0.0.10', 3389, 'tcp'],
  ] as const;
  const states = [['SF', 'ShADadFf', 6], ['REJ', 'Sr', 1], ['S0', 'S', 0], ['SF', '^hADadfF', 5], ['SH', 'F', 0]] as const;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const [c, s, p, proto] = flows[(i * 7) % flows.length]!;
    const [st, hist, rp] = proto === 'udp' ? (['SF', 'Dd', 1] as const) : states[(i * 3) % states.length]!;
    rows.push([
      (1764547200 + i * 0.25).toFixed(6), `C${i}`, c.replace('%', String((i % 40) + 1)), 49152 + (i % 9000), s, p, proto, '-',
      (i % 13) / 10, 100 + i, 200, st, hist, 3, 200 + i, rp, 300,
    ].join('\t'));
  }
  return `${[...head, ...rows].join('\n')}\n`;
}

describe('aggregated and per-row audits agree on generated logs (built-in AMS matrix)', () => {
  const inventory = join(tmp, 'ams.inventory.json');
  writeFileSync(
    inventory,
    JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2', '10.0.0.3'], 'global-catalog': ['10.0.0.2', '10.0.0.3'], 'dns-server': ['10.0.0.2'], 'domain-joined-agent': ['10.0.2.0/24'], 'web-user': ['10.0.3.0/24'] } }),
  );
  it.each([100, 5000])('Zeek TSV, %i rows', async (n) => {
    const log = join(tmp, `gen-${n}.conn.log`);
    writeFileSync(log, generatedConnLog(n));
    const rows = await auditAs(log, 'builtin:ams', inventory, 'rows');
    const tuples = await auditAs(log, 'builtin:ams', inventory, 'tuples');
    expect(conclusions(tuples)).toEqual(conclusions(rows));
    expect(rows.unexpected.length).toBeGreaterThan(0);
    expect(rows.rules.some((r) => r.status === 'observed')).toBe(true);
  });

  itShared('a pretty-printed, concatenated eve.json gives the audit of the original', async () => {
    const orig = join(DIR, 'logs', 'suricata-verify__dns-tcp-www-google-com.eve.json');
    const lines = readFileSync(orig, 'utf8').trim().split('\n');
    const pretty = join(tmp, 'pretty.eve.json');
    // Pretty-printed objects, two of them run together on one line at the end.
    writeFileSync(pretty, `${lines.slice(0, -2).map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n')}\n${lines.slice(-2).join('')}\n`);
    const { matrix, inventory: inv } = await anyMatrix('eve', orig);
    const a = await auditAs(orig, matrix, inv, 'tuples');
    const b = await auditAs(pretty, matrix, inv, 'tuples');
    expect(conclusions(b)).toEqual(conclusions(a));
    expect(b.inputs[0]!.records!.malformed).toBe(0);
    expect(b.inputs[0]!.records!.connections).toBe(a.inputs[0]!.records!.connections);
  });
});
