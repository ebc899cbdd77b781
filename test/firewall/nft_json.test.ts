import { describe, expect, it } from 'vitest';
import { parseNftJson } from '../../src/firewall/nft_json.js';
import { evaluate } from '../../src/audit/firewall_evaluate.js';
import { InputError } from '../../src/errors.js';

// Shape of real `nft -j list ruleset` output (nft 1.0.6); the real tool is in nft_netns.test.ts.
const tiny = (expr: unknown[], policy = 'drop') =>
  JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', json_schema_version: 1 } },
      { table: { family: 'ip', name: 't', handle: 1 } },
      { chain: { family: 'ip', table: 't', name: 'in', handle: 1, type: 'filter', hook: 'input', prio: 0, policy } },
      { rule: { family: 'ip', table: 't', chain: 'in', handle: 2, expr } },
    ],
  });
const dport = (right: unknown) => ({ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right } });

describe('parseNftJson', () => {
  it.each([
    ['single port', dport(22), 22, 'ACCEPT'],
    ['port outside a range', dport({ range: [8000, 8080] }), 8081, 'DROP'],
    ['port in an anonymous set', dport({ set: [1, { range: [20, 30] }] }), 25, 'ACCEPT'],
  ])('%s', (_w, m, port, action) => {
    const rs = parseNftJson(tiny([m, { accept: null }]), 't.json');
    expect(evaluate(rs, { src: '192.0.2.1', dstPort: port, proto: 'tcp' }).action).toBe(action);
  });

  it('renders the rule in nft syntax with its handle', () => {
    const rs = parseNftJson(tiny([dport(22), { counter: { packets: 0, bytes: 0 } }, { accept: null }]), 't.json');
    expect(rs.chains.get('ip t/in')!.rules[0]!.text).toBe('tcp dport 22 counter accept');
    expect(rs.chains.get('ip t/in')!.rules[0]!.handle).toBe(2);
  });

  it('an IPv4 table never decides for IPv6 traffic', () => {
    const rs = parseNftJson(tiny([dport(22), { drop: null }], 'accept'), 't.json');
    expect(evaluate(rs, { src: '2001:db8::1', dstPort: 22, proto: 'tcp' }).decidedBy).toBe('no input chain (nothing filters inbound)');
  });

  it.each([
    ['{', /^t\.json: not JSON/],
    ['{"x":1}', /^t\.json: no "nftables" array/],
    ['{"nftables":[{"rule":{"family":"ip","table":"t","chain":"c","expr":[]}}]}', "t.json: rule for undeclared chain 'ip t/c'"],
  ])('rejects %s with the file named', (text, msg) => {
    expect(() => parseNftJson(text, 't.json')).toThrow(InputError);
    expect(() => parseNftJson(text, 't.json')).toThrow(msg);
  });
});
