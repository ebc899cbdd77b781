/**
 * Scan summary: a generated SYN scan is reported as one finding with exact counts (probes, ports,
 * hosts, answered/refused/unanswered), its probes are not listed one unexpected flow per port,
 * and clients that are not scanning keep their unexpected flows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectScans, MIN_PROBES, MIN_TARGETS } from '../../src/audit/scans.js';
import { emptyConnection, type Connection } from '../../src/flows/connection.js';
import { generateSynScan } from '../bench/generate.js';
import { runCli } from '../support/run_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-scan-'));
const inventory = join(dir, 'inventory.json');
writeFileSync(inventory, JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2-10.0.0.4'] } }));

function conn(id: number, client: string, server: string, port: number, outcome: Connection['outcome']): Connection {
  return { ...emptyConnection(), id, protocol: 'tcp', ipProto: 6, client, server, serverPort: port, clientPort: 40000, outcome, state: outcome === 'answered' ? 'SF' : outcome === 'refused' ? 'REJ' : 'S0', firstSeen: id, lastSeen: id };
}

describe('detectScans', () => {
  it.each([
    ['many ports on one host, none answered', MIN_PROBES, (i: number) => ['10.0.0.2', 1 + i], 1],
    ['one port on many hosts, none answered', MIN_PROBES, (i: number) => [`10.1.${i >> 8}.${i & 255}`, 445], 1],
    ['many probes to one port of one host (a retry storm, not a scan)', 5 * MIN_PROBES, () => ['10.0.0.2', 445], 0],
    ['too few probes', MIN_PROBES - 1, (i: number) => ['10.0.0.2', 1 + i], 0],
    ['too few distinct targets', MIN_PROBES, (i: number) => ['10.0.0.2', 1 + (i % (MIN_TARGETS - 1))], 0],
  ] as const)('%s', (_name, n, target, findings) => {
    const cs = Array.from({ length: n }, (_, i) => {
      const [server, port] = target(i) as [string, number];
      return conn(i, '10.9.9.9', server, port, 'unanswered');
    });
    expect(detectScans(cs)).toHaveLength(findings);
  });

  it('a client whose probes are mostly answered is not a scanner', () => {
    const cs = Array.from({ length: 3 * MIN_PROBES }, (_, i) => conn(i, '10.9.9.9', '10.0.0.2', 1 + i, i % 3 === 0 ? 'unanswered' : 'answered'));
    expect(detectScans(cs)).toHaveLength(0);
  });
});

describe('a generated SYN scan, audited', () => {
  it('is one finding with exact counts, and its unanswered probes are not unexpected flows', async () => {
    const file = join(dir, 'scan.pcap');
    const g = generateSynScan(file, 20_000, 16);
    const r = await runCli(['audit', file, '--inventory', inventory, '--scope', 'all', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.summary.connections).toBe(g.probes);
    expect(j.scans).toHaveLength(1);
    const f = j.scans[0];
    expect(f).toMatchObject({
      client: '10.0.9.99',
      protocols: ['tcp'],
      probes: g.probes,
      answered: g.open,
      refused: g.closed,
      unanswered: g.probes - g.open - g.closed,
      ports: g.ports,
      hosts: g.hosts,
      lowPort: 1,
      highPort: g.ports,
    });
    expect(f.open).toHaveLength(g.open);
    // Only the answered (open) ports are listed as unexpected flows.
    expect(j.unexpected).toHaveLength(g.open);
    expect(j.unexpected.every((u: { outcomes: { answered: number } }) => u.outcomes.answered === 1)).toBe(true);
    expect(j.verdict).toBe('fail');
    expect(j.verdictReasons.some((x: string) => x.startsWith('scanning client 10.0.9.99'))).toBe(true);
    // The text report names it too.
    const t = await runCli(['audit', file, '--inventory', inventory, '--scope', 'all']);
    expect(t.stdout).toContain('Scans (1)');
    expect(t.stdout).toContain(`10.0.9.99 probed ${g.ports.toLocaleString('en')} ports`);
  });

  it('a client below the thresholds keeps its unexpected flows, one per port', async () => {
    const file = join(dir, 'small.pcap');
    const g = generateSynScan(file, 40, 4);
    const r = await runCli(['audit', file, '--inventory', inventory, '--scope', 'all', '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.scans).toEqual([]);
    expect(j.unexpected.reduce((n: number, u: { connections: number }) => n + u.connections, 0)).toBe(g.probes);
  });
});
