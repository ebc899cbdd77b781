/** runAudit over small, exact packet sequences: statuses, verdict, scope and grouping. */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { collectFacts } from '../../src/flows/facts.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { frame, pcapFile, type FrameOpts } from '../support/packets.js';

const ams = loadMatrix('builtin:ams');
const inventory = compileInventory(
  {
    roles: {
      'ams-server': ['10.0.0.10'],
      'domain-controller': ['10.0.0.2'],
      'global-catalog': ['10.0.0.2'],
      'dns-server': ['10.0.0.2'],
      'web-user': ['10.0.3.0/24'],
    },
  },
  'inv.json',
  ams,
);

type F = Omit<FrameOpts, 'src' | 'dst'>;
const AMS = '10.0.0.10';
const DC = '10.0.0.2';
const tcp = (src: string, sport: number, dst: string, dport: number, flags: string): [string, string, F] => [src, dst, { proto: 'tcp', sport, dport, flags }];
const handshake = (c: string, cp: number, s: string, sp: number) => [tcp(c, cp, s, sp, 'S'), tcp(s, sp, c, cp, 'SA'), tcp(c, cp, s, sp, 'A')];

function audit(packets: [string, string, F][], scope: 'inventory' | 'all' = 'inventory') {
  const bytes = pcapFile(1, packets.map(([src, dst, o]) => frame({ ...o, src, dst })));
  const src = openCaptureBytes(bytes, 'mem.pcap');
  const engine = new FlowEngine();
  const p = newRawPacket();
  while (src.next(p)) engine.ingest(p);
  const facts = collectFacts(engine, [], serverPortsFor(ams));
  return runAudit(facts, ams, inventory, { scope, features: [], generatedAt: 'T' });
}
const status = (r: ReturnType<typeof audit>, id: string) => r.rules.find((x) => x.id === id)?.status;

describe('runAudit', () => {
  it('an answered connection makes a rule observed; refused and unanswered ones make it failed', () => {
    const r = audit([
      ...handshake(AMS, 50000, DC, 389),
      tcp(AMS, 50001, DC, 3268, 'S'),
      tcp(DC, 3268, AMS, 50001, 'RA'),
      tcp(AMS, 50002, DC, 135, 'S'),
    ]);
    expect(status(r, 'ams-ldap')).toBe('observed');
    expect(status(r, 'ams-global-catalog')).toBe('failed');
    expect(status(r, 'ams-rpc-epm')).toBe('failed');
    expect(r.rules.find((x) => x.id === 'ams-global-catalog')?.outcomes).toEqual({ answered: 0, refused: 1, unanswered: 0 });
    expect(r.rules.find((x) => x.id === 'ams-rpc-epm')?.states).toEqual({ S0: 1 });
    expect(status(r, 'ams-dns')).toBe('missing');
    expect(r.verdict).toBe('fail');
    expect(r.summary.failedRequired).toBe(2);
  });

  it('rules whose roles have no inventory members, or whose feature is off, are not applicable', () => {
    const r = audit([...handshake(AMS, 50000, DC, 389)]);
    const sql = r.rules.find((x) => x.id === 'ams-sql')!;
    expect(sql.status).toBe('not-applicable');
    expect(sql.reason).toContain('external-sql');
    const agent = r.rules.find((x) => x.id === 'agent-ams-api')!;
    expect(agent.status).toBe('not-applicable');
    expect(agent.reason).toContain('non-domain-agent');
    expect(agent.enforced).toBe(false);
    // Optional rules never fail the verdict (JIT SMB has no jit-target here, update check has a host).
    expect(r.rules.find((x) => x.id === 'ams-update-check')).toMatchObject({ status: 'missing', enforced: false });
  });

  it('unexpected connections are grouped by client, server, protocol and server port', () => {
    const r = audit([
      ...handshake('10.0.3.15', 51000, AMS, 3389),
      ...handshake('10.0.3.15', 51001, AMS, 3389),
      tcp(AMS, 50010, '10.0.9.5', 22, 'S'),
      // out of scope: neither end in the inventory
      ...handshake('10.9.9.1', 40000, '10.9.9.2', 80),
    ]);
    expect(r.unexpected.map((g) => [g.client, g.server, g.protocol, g.port, g.connections])).toEqual([
      ['10.0.3.15', AMS, 'tcp', 3389, 2],
      [AMS, '10.0.9.5', 'tcp', 22, 1],
    ]);
    expect(r.unexpected[1]).toMatchObject({ clientRoles: ['ams-server'], serverRoles: [], states: { S0: 1 } });
    expect(r.summary.connectionsOutOfScope).toBe(1);
    const all = audit([...handshake('10.9.9.1', 40000, '10.9.9.2', 80)], 'all');
    expect(all.unexpected).toHaveLength(1);
  });

  it('a flow that needs a disabled feature is unexpected and says which rule it would match', () => {
    const inv = compileInventory({ roles: { 'ams-server': [AMS], 'sql-server': ['10.0.0.20'] } }, 'i', ams);
    const bytes = pcapFile(1, handshake(AMS, 50000, '10.0.0.20', 1433).map(([s, d, o]) => frame({ ...o, src: s, dst: d })));
    const src = openCaptureBytes(bytes, 'm');
    const e = new FlowEngine();
    const p = newRawPacket();
    while (src.next(p)) e.ingest(p);
    const r = runAudit(collectFacts(e, [], serverPortsFor(ams)), ams, inv, { scope: 'inventory', features: [], generatedAt: 'T' });
    expect(r.unexpected[0]?.disabledRules).toEqual(['ams-sql']);
    const on = runAudit(collectFacts(e, [], serverPortsFor(ams)), ams, inv, { scope: 'inventory', features: ['external-sql'], generatedAt: 'T' });
    expect(on.unexpected).toEqual([]);
    expect(on.rules.find((x) => x.id === 'ams-sql')?.status).toBe('observed');
  });
});
