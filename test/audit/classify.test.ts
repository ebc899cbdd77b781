import { describe, expect, it } from 'vitest';
import { groupPort, isControlFlow, matchingRules } from '../../src/audit/classify.js';
import type { MatrixRule } from '../../src/matrix/types.js';

const rule = (id: string, source: string, destination: string, protocol: 'tcp' | 'udp', from: number, to = from): MatrixRule => ({
  id, source, destination, protocol, ports: [from === to ? `${from}` : `${from}-${to}`], portRanges: [{ from, to }],
  requirement: 'required', description: id,
});
const rules = [
  rule('ldap', 'ams', 'dc', 'tcp', 389),
  rule('cldap', 'ams', 'dc', 'udp', 389),
  rule('gc', 'ams', 'gc', 'tcp', 3268),
  rule('dyn', 'ams', 'dc', 'tcp', 49152, 65535),
  rule('web', 'user', 'ams', 'tcp', 443),
  rule('agent', 'agent', 'ams', 'tcp', 443),
];

describe('matchingRules (pure classification)', () => {
  it.each([
    ['LDAP from AMS to a DC', 'tcp', 389, ['ams'], ['dc'], ['ldap']],
    ['CLDAP is UDP', 'udp', 389, ['ams'], ['dc'], ['cldap']],
    ['wrong protocol', 'udp', 3268, ['ams'], ['dc', 'gc'], []],
    ['a DC that is also a GC', 'tcp', 3268, ['ams'], ['dc', 'gc'], ['gc']],
    ['dynamic range, low edge', 'tcp', 49152, ['ams'], ['dc'], ['dyn']],
    ['dynamic range, high edge', 'tcp', 65535, ['ams'], ['dc'], ['dyn']],
    ['below the range', 'tcp', 49151, ['ams'], ['dc'], []],
    ['reverse direction does not match', 'tcp', 389, ['dc'], ['ams'], []],
    ['client in no role', 'tcp', 389, [], ['dc'], []],
    ['one host in two source roles satisfies both rules', 'tcp', 443, ['user', 'agent'], ['ams'], ['web', 'agent']],
  ])('%s', (_n, protocol, serverPort, clientRoles, serverRoles, ids) => {
    expect(matchingRules({ protocol, serverPort, clientRoles, serverRoles }, rules).map((r) => r.id)).toEqual(ids);
  });
});

describe('control flows and group ports', () => {
  it.each([
    ['icmp', 3, true], // destination unreachable
    ['icmp', 11, true], // time exceeded
    ['icmp', 8, false], // echo request: a flow
    ['icmpv6', 135, true], // neighbour solicitation
    ['icmpv6', 1, true],
    ['icmpv6', 128, false],
    ['tcp', -1, false],
  ] as const)('%s type %d → control %s', (protocol, icmpType, control) => {
    expect(isControlFlow({ protocol, icmpType })).toBe(control);
  });

  it('groups TCP/UDP by server port and ICMP by type', () => {
    expect(groupPort({ protocol: 'tcp', serverPort: 3389, icmpType: -1 })).toBe(3389);
    expect(groupPort({ protocol: 'icmp', serverPort: 0, icmpType: 8 })).toBe(8);
    expect(groupPort({ protocol: 'gre', serverPort: 0, icmpType: -1 })).toBe(0);
  });
});
