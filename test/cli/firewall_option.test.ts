/** `--firewall HOST=FILE`: the spec, and HOST resolved to one inventory address (canonical, as connections print it). */
import { expect, it } from 'vitest';
import { parseFirewallSpec, resolveFirewallHost } from '../../src/cli/firewall_option.js';
import { UsageError } from '../../src/errors.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { compileInventory } from '../../src/matrix/inventory.js';

const inventory = compileInventory(
  { roles: { 'ams-server': ['10.0.0.10', 'FD00:0010::0010'], 'domain-controller': ['10.0.0.2', '10.0.0.3', { address: '10.0.0.4', name: 'dc3' }], 'web-user': ['10.0.3.0/24'] }, names: { '10.0.0.3': 'dc2' } },
  'inv.json',
  loadMatrix('builtin:ams'),
);

it.each([
  ['an address', '10.0.0.2', '10.0.0.2'],
  ['a name from the names map', 'dc2', '10.0.0.3'],
  ['a member object name', 'dc3', '10.0.0.4'],
  ['an IPv6 member as written, canonical out', 'FD00:0010::0010', 'fd00:10::10'],
])('HOST as %s', (_w, host, address) => {
  expect(resolveFirewallHost(host, inventory)).toBe(address);
});

it.each([
  ['not in the inventory', 'dc9', /dc9 is neither an address nor a member name of the inventory/],
  ['a CIDR member is not a host', '10.0.3.0/24', /neither an address nor a member name/],
])('HOST %s is a usage error', (_w, host, msg) => {
  expect(() => resolveFirewallHost(host, inventory)).toThrow(UsageError);
  expect(() => resolveFirewallHost(host, inventory)).toThrow(msg);
});

it.each(['dc2', '=x', 'dc2='])('a spec without HOST=FILE is a usage error: %s', (v) => {
  expect(() => parseFirewallSpec(v)).toThrow(/expected HOST=FILE/);
});

it('splits at the first =', () => expect(parseFirewallSpec('dc2=a=b.rules')).toEqual({ host: 'dc2', path: 'a=b.rules' }));
