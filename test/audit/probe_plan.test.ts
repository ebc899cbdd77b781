/** The probe plan: documented flows to inventory addresses, a bounded undocumented list, never a sweep, never outside the inventory. */
import { describe, expect, it } from 'vitest';
import { MAX_EXTRA_PORTS, UNDOCUMENTED_PORTS, parseProbePorts, planProbes, refuseOutside } from '../../src/audit/probe_plan.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';

const ams = loadMatrix('builtin:ams');
const inventory = compileInventory(
  {
    roles: {
      'ams-server': ['10.66.0.10'],
      'domain-controller': ['10.66.0.2', '10.66.0.3'],
      'global-catalog': ['10.66.0.2'],
      'dns-server': ['10.66.0.2'],
      'jit-target': ['10.66.4.0/24'],
      'web-user': ['10.66.3.0/24'],
      'oidc-provider': ['idp.example.org'],
    },
    names: { '10.66.0.2': 'dc1', '10.66.0.3': 'dc2' },
    features: ['oidc'],
  },
  'inv.json',
  ams,
);

const line = (p: { protocol: string; address: string; port: number; kind: string }): string => `${p.kind} ${p.protocol}/${p.port} ${p.address}`;

describe('planProbes', () => {
  const plan = planProbes(ams, inventory, 'ams-server');

  it('tries each documented single port of ROLE on every single-address destination member', () => {
    const documented = plan.probes.filter((p) => p.kind === 'documented').map(line).sort();
    expect(documented).toEqual(
      [
        'documented tcp/135 10.66.0.2',
        'documented tcp/135 10.66.0.3',
        'documented tcp/3268 10.66.0.2',
        'documented tcp/389 10.66.0.2',
        'documented tcp/389 10.66.0.3',
        'documented udp/389 10.66.0.2',
        'documented udp/389 10.66.0.3',
        'documented udp/53 10.66.0.2',
      ].sort(),
    );
    expect(plan.probes.find((p) => p.protocol === 'udp' && p.port === 53)?.request).toBe('dns');
    expect(plan.probes.find((p) => p.protocol === 'udp' && p.port === 389)?.request).toBe('cldap');
    expect(plan.probes.find((p) => p.port === 389 && p.address === '10.66.0.2')?.member).toBe('dc1');
  });

  it('adds only the bounded undocumented ports a rule does not allow for the member', () => {
    const dc1 = plan.probes.filter((p) => p.kind === 'undocumented' && p.address === '10.66.0.2').map((p) => p.port);
    // 135 is documented for domain controllers (RPC endpoint mapper): not "undocumented" there.
    expect(dc1).toEqual(UNDOCUMENTED_PORTS.filter((p) => p !== 135));
    expect(plan.undocumentedPorts).toEqual(UNDOCUMENTED_PORTS.map((p) => `tcp/${p}`));
  });

  it('never sweeps: ranges, CIDR members, host names and features not enabled are listed as not tried', () => {
    const why = plan.notPlanned.map((n) => `${n.rule} ${n.target}: ${n.reason.split(':')[0]}`);
    expect(why).toContain('ams-rpc-dynamic domain-controller: port range 49152-65535');
    expect(why).toContain('ams-jit-smb 10.66.4.0/24: a cidr member');
    expect(why).toContain('ams-oidc-validation idp.example.org: a host name');
    expect(why).toContain('ams-sql sql-server: conditional on feature "external-sql", not enabled in the inventory');
    expect(plan.probes.some((p) => p.port > 49151)).toBe(false);
    expect(plan.probes.some((p) => p.address.startsWith('10.66.4.'))).toBe(false);
  });

  it('targets inventory addresses only, and every probe target is one', () => {
    expect(() => refuseOutside(plan.probes, inventory)).not.toThrow();
    expect(new Set(plan.probes.map((p) => p.address))).toEqual(new Set(['10.66.0.2', '10.66.0.3']));
  });

  it('adds --ports to the undocumented list, both protocols', () => {
    const p = planProbes(ams, inventory, 'ams-server', parseProbePorts(['8080', 'udp/161', 'tcp/22']));
    expect(p.undocumentedPorts).toEqual([...UNDOCUMENTED_PORTS.map((x) => `tcp/${x}`), 'tcp/8080', 'udp/161']);
    expect(p.probes.filter((x) => x.port === 161).map((x) => [x.protocol, x.request])).toEqual([
      ['udp', null],
      ['udp', null],
    ]);
  });

  it('refuses a role the matrix does not have', () => {
    expect(() => planProbes(ams, inventory, 'nobody')).toThrow(/--as: "nobody" is not a role/);
  });
});

describe('refuseOutside', () => {
  it.each([
    ['an address outside the inventory', '10.66.0.99', /10\.66\.0\.99 is not in the inventory/],
    ['a public address', '192.0.2.1', /not in the inventory/],
    ['a host name', 'dc1.example.org', /is not an address/],
    ['loopback', '127.0.0.1', /not in the inventory/],
  ])('refuses %s', (_n, address, re) => {
    expect(() => refuseOutside([{ protocol: 'tcp', address, port: 22 }], inventory)).toThrow(re);
  });
  it('accepts an address inside an inventory CIDR (the plan itself targets single-address members only)', () => {
    expect(() => refuseOutside([{ protocol: 'tcp', address: '10.66.4.7', port: 445 }], inventory)).not.toThrow();
  });
});

describe('parseProbePorts', () => {
  it.each([
    [['22'], [{ protocol: 'tcp', port: 22 }]],
    [['TCP/443', 'udp/161', '443'], [{ protocol: 'tcp', port: 443 }, { protocol: 'udp', port: 161 }]],
  ])('%j', (items, want) => {
    expect(parseProbePorts(items)).toEqual(want);
  });
  it.each([
    [['1-1024'], /never a range/],
    [['0'], /out of range/],
    [['65536'], /out of range/],
    [['icmp/1'], /is not a port/],
    [Array.from({ length: MAX_EXTRA_PORTS + 1 }, (_, i) => String(10000 + i)), /at most 16/],
  ])('refuses %j', (items, re) => {
    expect(() => parseProbePorts(items)).toThrow(re);
  });
});
