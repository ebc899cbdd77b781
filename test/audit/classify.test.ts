import { describe, expect, it } from 'vitest';
import { groupPort, isControlFlow, matchingRules, RuleMatcher } from '../../src/audit/classify.js';
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

describe('RuleMatcher (matchingRules remembered per shared role lists)', () => {
  const ams = Object.freeze(['ams']);
  const dc = Object.freeze(['dc']);
  const dcGc = Object.freeze(['dc', 'gc']);
  const user = Object.freeze(['agent', 'user']);
  it('answers as matchingRules for every view, remembered or not, asked twice', () => {
    const m = new RuleMatcher(rules);
    for (const [protocol, ports] of [['tcp', [389, 3268, 443, 49151, 49152, 65535, 1]], ['udp', [389, 3268]], ['icmp', [0, 8]]] as const) {
      for (const serverPort of ports) {
        for (const clientRoles of [ams, dc, user, Object.freeze([])]) {
          for (const serverRoles of [dc, dcGc, ams]) {
            const v = { protocol, serverPort, clientRoles, serverRoles };
            const want = matchingRules(v, rules).map((r) => r.id);
            for (const shared of [true, false, true]) expect(m.match(v, shared).map((r) => r.id)).toEqual(want);
          }
        }
      }
    }
  });

  it('tells role lists apart by identity only when they are shared: name-built lists are not remembered', () => {
    const m = new RuleMatcher(rules);
    expect(m.match({ protocol: 'tcp', serverPort: 389, clientRoles: ams, serverRoles: dc }, true).map((r) => r.id)).toEqual(['ldap']);
    // A fresh list with other contents, asked as not shared, is matched on its contents.
    expect(m.match({ protocol: 'tcp', serverPort: 389, clientRoles: ['dc'], serverRoles: ['dc'] }, false)).toEqual([]);
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
