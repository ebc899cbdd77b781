import { expect, it } from 'vitest';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { checkDocumentedFlows } from '../../src/audit/firewall_matrix.js';

const ams = loadMatrix('builtin:ams');
const inventory = compileInventory(
  { roles: { 'ams-server': ['10.66.0.10', '10.66.9.0/24'], 'domain-controller': ['10.66.0.2'], 'global-catalog': ['10.66.0.2'], 'dns-server': ['10.66.0.2'] } },
  'inv.json',
  ams,
);
// dc2 of issue 21: drops tcp/135, rejects tcp/3268 from AMS, drops the top of the RPC dynamic range.
const dc2 = parseIptablesSave(
  `*filter
:INPUT DROP [0:0]
-A INPUT -p tcp --dport 135 -j DROP
-A INPUT -s 10.66.0.10/32 -p tcp --dport 3268 -j REJECT --reject-with tcp-reset
-A INPUT -p tcp -m multiport --dports 389,49152:60000 -j ACCEPT
-A INPUT -p udp -m multiport --dports 53,389 -j ACCEPT
COMMIT
`,
  'dc2.rules',
);

it('names the firewall rule that blocks each documented flow, per source member', () => {
  const got = checkDocumentedFlows(ams, inventory, '10.66.0.2', dc2)
    .filter((c) => c.source === '10.66.0.10')
    .map((c) => [c.ruleId, c.status, c.runs.map((r) => `${r.ports.from}-${r.ports.to} ${r.decision.action} ${r.decision.decidedBy}`).join('; ')]);
  expect(got).toEqual([
    ['ams-ldap', 'permitted', '389-389 ACCEPT INPUT #3'],
    ['ams-cldap', 'permitted', '389-389 ACCEPT INPUT #4'],
    ['ams-global-catalog', 'blocked', '3268-3268 REJECT INPUT #2'],
    ['ams-rpc-epm', 'blocked', '135-135 DROP INPUT #1'],
    ['ams-rpc-dynamic', 'partly-blocked', '49152-60000 ACCEPT INPUT #3; 60001-65535 DROP INPUT policy DROP'],
    ['ams-dns', 'permitted', '53-53 ACCEPT INPUT #4'],
  ]);
});

it('a CIDR source member is judged for all its addresses (firewall_members.test.ts has the splits)', () => {
  const cidr = checkDocumentedFlows(ams, inventory, '10.66.0.2', dc2).filter((c) => c.source === '10.66.9.0/24');
  expect(cidr.map((c) => `${c.ruleId} ${c.status} ${c.runs.map((r) => `${r.addresses!.join(',')} ${r.decision.decidedBy}`).join('; ')}`)).toEqual([
    'ams-ldap permitted 10.66.9.0/24 INPUT #3',
    'ams-cldap permitted 10.66.9.0/24 INPUT #4',
    'ams-global-catalog blocked 10.66.9.0/24 INPUT policy DROP',
    'ams-rpc-epm blocked 10.66.9.0/24 INPUT #1',
    'ams-rpc-dynamic partly-blocked 10.66.9.0/24 INPUT #3; 10.66.9.0/24 INPUT policy DROP',
    'ams-dns permitted 10.66.9.0/24 INPUT #4',
  ]);
});

it('a host in no destination role has nothing to check', () => {
  expect(checkDocumentedFlows(ams, inventory, '10.66.0.99', dc2)).toEqual([]);
});

it('finds the rules that admit undocumented ports, with the ports and sources', async () => {
  const { undocumentedPermits } = await import('../../src/audit/firewall_undocumented.js');
  const fw = parseIptablesSave(
    `*filter
:INPUT DROP [0:0]
-A INPUT -p tcp -m multiport --dports 389,3268 -j ACCEPT
-A INPUT -p tcp --dport 3389 -j ACCEPT
-A INPUT -s 10.66.0.0/16 -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 1:65535 -s 192.0.2.1 -j ACCEPT
COMMIT
`,
    'dc2.rules',
  );
  const r = undocumentedPermits(ams, inventory, '10.66.0.2', fw);
  expect(r.permits.map((p) => [p.decidedBy, p.protocol, p.ports.join(','), p.sources.join(',')])).toEqual([
    ['INPUT #1', 'tcp', '389,3268', 'any (outside the inventory, e.g. 192.0.2.1)'],
    ['INPUT #2', 'tcp', '3389', '10.66.0.10,any (outside the inventory, e.g. 192.0.2.1)'],
    ['INPUT #3', 'tcp', '22', '10.66.0.10'],
    ['INPUT #4', 'tcp', '22,23,135,139,445,5985,5986', 'any (outside the inventory, e.g. 192.0.2.1)'],
  ]);
  expect(r.notFullyChecked.map((x) => x.number)).toEqual([4]);
});

it('runs evaluated once per stretch of ports equal a port-by-port evaluation', async () => {
  const { evaluate } = await import('../../src/audit/firewall_evaluate.js');
  const fw = parseIptablesSave(
    `*filter
:INPUT DROP [0:0]
-A INPUT -p tcp -m multiport --dports 50000:50010,50005:50020,65535 -j ACCEPT
-A INPUT -p tcp ! --dport 49152:55000 -j REJECT
-A INPUT -p tcp --dport 60000 -j DROP
-A INPUT -s 10.66.0.10 -p tcp --dport 55001:64000 -j ACCEPT
COMMIT
`,
    'dc2.rules',
  );
  const rpc = checkDocumentedFlows(ams, inventory, '10.66.0.2', fw).find((c) => c.ruleId === 'ams-rpc-dynamic' && c.source === '10.66.0.10')!;
  expect(rpc.runs.length).toBeGreaterThan(3);
  rpc.runs.forEach((run, k) => {
    if (k > 0) expect(run.ports.from).toBe(rpc.runs[k - 1]!.ports.to + 1); // contiguous, no gap
    for (let p = run.ports.from; p <= run.ports.to; p++) {
      const d = evaluate(fw, { src: '10.66.0.10', dstPort: p, proto: 'tcp' });
      if (d.decidedBy !== run.decision.decidedBy || d.action !== run.decision.action) throw new Error(`port ${p}: ${d.action} ${d.decidedBy}, run says ${run.decision.action} ${run.decision.decidedBy}`);
    }
  });
  expect(rpc.runs[0]!.ports.from).toBe(49152);
  expect(rpc.runs[rpc.runs.length - 1]!.ports.to).toBe(65535);
});
