import { expect, it } from 'vitest';
import { parseWindowsFirewallJson } from '../../src/firewall/windows_json.js';
import { parseFirewall } from '../../src/firewall/load_firewall.js';
import { evaluate } from '../../src/audit/firewall_evaluate.js';
import { InputError } from '../../src/errors.js';

// In the shape of the one-liner in docs/segmentation.md (hand-written, not captured on Windows):
// built-in rule names as Windows ships them; enums as strings; LocalPort a string or an array.
const EXPORT = JSON.stringify([
  { Name: 'RemoteDesktop-UserMode-In-TCP', DisplayName: 'Remote Desktop - User Mode (TCP-In)', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: '3389', RemoteAddress: 'Any' },
  { Name: 'AMS-LDAP', DisplayName: 'LDAP from AMS', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Domain, Private, Public', Protocol: 'TCP', LocalPort: ['389', '3268-3269'], RemoteAddress: '10.66.0.0/255.255.0.0' },
  { Name: 'Block-GC-from-AMS', DisplayName: 'Block GC from AMS', Direction: 'Inbound', Action: 'Block', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: '3268', RemoteAddress: '10.66.0.10' },
  { Name: 'RPC-EPMAP', DisplayName: 'RPC Endpoint Mapper', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: 'RPCEPMap', RemoteAddress: 'Any' },
  { Name: 'SMB-Domain', DisplayName: 'SMB (Domain profile)', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Domain', Protocol: 'TCP', LocalPort: '445', RemoteAddress: 'LocalSubnet' },
  { Name: 'Disabled-SSH', DisplayName: 'SSH (disabled)', Direction: 'Inbound', Action: 'Allow', Enabled: 'False', Profile: 'Any', Protocol: 'TCP', LocalPort: '22', RemoteAddress: 'Any' },
  { Name: 'Out-Any', DisplayName: 'Outbound', Direction: 'Outbound', Action: 'Block', Enabled: 'True', Profile: 'Any', Protocol: 'Any', LocalPort: 'Any', RemoteAddress: 'Any' },
]);
const rs = parseWindowsFirewallJson(EXPORT, 'dc2-fw.json');

it.each([
  ['RDP from anywhere allowed', '203.0.113.7', 3389, 'ACCEPT', 'RemoteDesktop-UserMode-In-TCP'],
  ['GC from another client allowed (mask form)', '10.66.0.11', 3268, 'ACCEPT', 'AMS-LDAP'],
  ['GC from AMS: Block wins over the earlier Allow', '10.66.0.10', 3268, 'DROP', 'Block-GC-from-AMS'],
  ['LDAP from outside 10.66/16: default block', '10.67.0.1', 389, 'DROP', null],
  ['RPCEPMap keyword is tcp/135', '10.66.0.10', 135, 'ACCEPT', 'RPC-EPMAP'],
  ['Domain-only LocalSubnet rule: inconclusive', '10.66.0.10', 445, 'inconclusive', 'SMB-Domain'],
  ['disabled rule ignored', '10.66.0.10', 22, 'DROP', null],
] as const)('%s', (_w, src, port, action, name) => {
  const d = evaluate(rs, { src, dstPort: port, proto: 'tcp' });
  expect(d.action).toBe(action);
  if (name === null) expect(d.rule).toBeNull();
  else expect(d.rule?.text).toContain(`[${name}]`);
});

it('an Allow rule on the dynamic RPC ports makes undecided queries inconclusive, not decided ones', () => {
  const rpc = { Name: 'RPC-Dyn', DisplayName: 'RPC dynamic', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'TCP', LocalPort: 'RPC', RemoteAddress: 'Any' };
  const withRpc = parseWindowsFirewallJson(JSON.stringify([rpc, ...JSON.parse(EXPORT)]), 'w.json');
  expect(evaluate(withRpc, { src: '203.0.113.7', dstPort: 3389, proto: 'tcp' }).action).toBe('ACCEPT');
  expect(evaluate(withRpc, { src: '10.67.0.1', dstPort: 389, proto: 'tcp' })).toMatchObject({ action: 'inconclusive', reason: expect.stringContaining('LocalPort RPC') });
});

it('reads a single rule written as a bare object, and is sniffed by parseFirewall', () => {
  const one = JSON.stringify({ Name: 'x', DisplayName: 'x', Direction: 'Inbound', Action: 'Allow', Enabled: 'True', Profile: 'Any', Protocol: 'UDP', LocalPort: '53', RemoteAddress: 'Any' });
  const r = parseFirewall(one, 'one.json');
  expect(r.format).toBe('windows-json');
  expect(evaluate(r, { src: '10.0.0.1', dstPort: 53, proto: 'udp' }).action).toBe('ACCEPT');
});

it('rejects JSON that is not the export, naming the file and rule', () => {
  expect(() => parseWindowsFirewallJson('[{"Foo":1}]', 'w.json')).toThrow(InputError);
  expect(() => parseWindowsFirewallJson('[{"Foo":1}]', 'w.json')).toThrow('w.json: rule 1 has no Name (is this the Get-NetFirewallRule export?)');
});
