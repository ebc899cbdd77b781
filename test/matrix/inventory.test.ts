import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { exitCodeOf } from '../../src/cli/exit_codes.js';
import { addressWords, compileInventory, loadInventory, parseMember } from '../../src/matrix/inventory.js';
import { sha256Hex } from '../../src/matrix/canonical_json.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';

const ams = loadMatrix('builtin:ams');
const dir = mkdtempSync(join(tmpdir(), 'flowaudit-inv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const w = addressWords;

function errorOf(f: () => unknown): PolicyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

describe('addressWords (the decoder form)', () => {
  it.each([
    ['10.0.0.2', [0, 0, 0xffff, 0x0a000002]],
    ['255.255.255.255', [0, 0, 0xffff, 0xffffffff]],
    ['::ffff:10.0.0.2', [0, 0, 0xffff, 0x0a000002]],
    ['2001:db8::1', [0x20010db8, 0, 0, 1]],
    ['::', [0, 0, 0, 0]],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]],
  ])('%s', (text, words) => {
    expect([...w(text)]).toEqual(words);
  });
});

describe('parseMember', () => {
  it.each([
    ['10.0.0.10', 'ipv4'],
    ['2001:db8::10', 'ipv6'],
    ['::ffff:10.0.0.10', 'ipv6'],
    ['10.0.3.0/24', 'cidr'],
    ['0.0.0.0/0', 'cidr'],
    ['2001:db8::/32', 'cidr'],
    ['2001:db8::1/128', 'cidr'],
    ['::/0', 'cidr'],
    ['10.0.4.10-10.0.4.20', 'range'],
    ['10.0.4.10 - 10.0.4.20', 'range'],
    ['2001:db8::1-2001:db8::ff', 'range'],
    ['idp.example.org', 'host'],
    ['IDP.Example.ORG.', 'host'],
    ['web-01.corp', 'host'],
    ['localhost', 'host'],
    ['*.workstations.example', 'suffix'],
  ])('%s → %s', (text, kind) => {
    const p = parseMember(text);
    expect(p.ok && p.member.kind).toBe(kind);
  });

  it.each([
    ['10.0.0.300', 'is not an IPv4/IPv6 address, CIDR, range, host name or *.suffix pattern'],
    ['10.0.0.1/33', 'is not an IPv4/IPv6 address'],
    ['2001:db8::/129', 'is not an IPv4/IPv6 address'],
    ['10.0.4.20-10.0.4.10', 'is a range whose start is after its end'],
    ['10.0.0.1-2001:db8::1', 'is a range mixing IPv4 and IPv6'],
    ['10.0.0.1-banana', '(bad range end)'],
    ['fe80::1%eth0', 'is not an IPv4/IPv6 address'],
    ['*.', 'is not'],
    ['a.*.example', 'is not'],
    ['under score!', 'is not'],
    ['-leading.example', 'is not'],
    ['', 'is not'],
    ['1.2.3', 'is not'],
  ])('%j rejected: %s', (text, reason) => {
    const p = parseMember(text);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toContain(reason);
  });
});

describe('compileInventory: the documented example', () => {
  const inv = compileInventory(
    {
      roles: {
        'ams-server': ['10.0.0.10'],
        'domain-controller': ['10.0.0.2', '10.0.0.3'],
        'web-user': ['10.0.3.0/24', '10.0.4.10-10.0.4.20'],
        'oidc-provider': ['idp.example.org'],
        'jit-target': ['*.workstations.example'],
      },
      features: ['azure-ad'],
    },
    'inv.json',
    ams,
  );

  it.each([
    ['10.0.0.10', ['ams-server']],
    ['10.0.0.2', ['domain-controller']],
    ['10.0.0.3', ['domain-controller']],
    ['10.0.0.4', []],
    ['10.0.2.255', []],
    ['10.0.3.0', ['web-user']],
    ['10.0.3.255', ['web-user']],
    ['10.0.4.0', []],
    ['10.0.4.9', []],
    ['10.0.4.10', ['web-user']],
    ['10.0.4.20', ['web-user']],
    ['10.0.4.21', []],
    ['::ffff:10.0.0.2', ['domain-controller']],
    ['2001:db8::2', []],
  ])('rolesForAddress(%s) = %j', (addr, roles) => {
    expect(inv.rolesForAddress(w(addr))).toEqual(roles);
    expect(inv.hasAddress(w(addr))).toBe(roles.length > 0);
  });

  it.each([
    ['idp.example.org', ['oidc-provider']],
    ['IDP.EXAMPLE.ORG.', ['oidc-provider']],
    ['x.idp.example.org', []],
    ['pc1.workstations.example', ['jit-target']],
    ['a.b.workstations.example', ['jit-target']],
    ['PC1.Workstations.Example.', ['jit-target']],
    ['workstations.example', []],
    ['xworkstations.example', []],
    ['graph.microsoft.com', ['microsoft-graph']],
    ['login.microsoftonline.com', ['microsoft-login']],
    ['packages.lithnet.io', ['lithnet-updates']],
    ['example.org', []],
  ])('rolesForName(%s) = %j', (name, roles) => {
    expect(inv.rolesForName(name)).toEqual(roles);
  });

  it('keeps members as written, in matrix role order, with default hosts added', () => {
    expect(inv.origin).toBe('inv.json');
    expect(inv.sha256).toBeNull();
    expect(inv.features).toEqual(['azure-ad']);
    expect(inv.roles.map((r) => r.name)).toEqual([
      'ams-server', 'domain-controller', 'jit-target', 'web-user', 'oidc-provider',
      'lithnet-updates', 'microsoft-graph', 'microsoft-login',
    ]);
    expect(inv.roles.find((r) => r.name === 'web-user')!.members).toEqual([
      { text: '10.0.3.0/24', kind: 'cidr' },
      { text: '10.0.4.10-10.0.4.20', kind: 'range' },
    ]);
    expect(inv.roles.find((r) => r.name === 'microsoft-graph')!.members).toEqual([{ text: 'graph.microsoft.com', kind: 'host' }]);
  });
});

describe('compileInventory: address kinds and overlaps', () => {
  it.each<[string, string[], [string, boolean][]]>([
    ['IPv4 /0 covers all IPv4 only', ['0.0.0.0/0'], [['1.2.3.4', true], ['255.255.255.255', true], ['::ffff:1.2.3.4', true], ['2001:db8::1', false], ['::1', false]]],
    ['IPv4 /32', ['192.0.2.7/32'], [['192.0.2.7', true], ['192.0.2.6', false], ['192.0.2.8', false]]],
    ['IPv4 CIDR /28', ['192.0.2.64/28'], [['192.0.2.64', true], ['192.0.2.79', true], ['192.0.2.80', false]]], // host bits set: an error (inventory_strict.test.ts)
    ['IPv6 /0 covers everything', ['::/0'], [['2001:db8::1', true], ['::', true], ['10.1.2.3', true]]],
    ['IPv6 /128', ['2001:db8::1/128'], [['2001:db8::1', true], ['2001:db8::2', false], ['2001:db8::', false]]],
    ['IPv6 /32', ['2001:db8::/32'], [['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true], ['2001:db9::', false], ['2001:db7:ffff::', false]]],
    ['IPv6 address', ['fe80::1'], [['fe80::1', true], ['fe80::2', false]]],
    ['IPv6 range', ['2001:db8::10-2001:db8::1:0'], [['2001:db8::f', false], ['2001:db8::10', true], ['2001:db8::ffff', true], ['2001:db8::1:0', true], ['2001:db8::1:1', false]]],
    ['IPv4-mapped written as IPv6', ['::ffff:10.9.9.9'], [['10.9.9.9', true], ['10.9.9.8', false]]],
    ['IPv4-mapped CIDR written as IPv6', ['::ffff:10.0.0.0/104'], [['10.200.0.1', true], ['11.0.0.0', false]]],
    ['IPv4 range', ['10.0.0.250-10.0.1.5'], [['10.0.0.249', false], ['10.0.0.255', true], ['10.0.1.0', true], ['10.0.1.5', true], ['10.0.1.6', false]]],
    ['single-address range', ['10.0.0.1-10.0.0.1'], [['10.0.0.1', true], ['10.0.0.2', false]]],
    ['IPv4 edge addresses', ['0.0.0.0', '255.255.255.255'], [['0.0.0.0', true], ['255.255.255.255', true], ['0.0.0.1', false]]],
  ])('%s', (_label, members, probes) => {
    const inv = compileInventory({ roles: { 'web-user': members } }, 'inv.json', ams);
    for (const [addr, hit] of probes) {
      expect(inv.rolesForAddress(w(addr)), addr).toEqual(hit ? ['web-user'] : []);
    }
  });

  it('a host may hold several roles (sorted, stable), overlaps split correctly', () => {
    const inv = compileInventory(
      {
        roles: {
          'domain-controller': ['10.0.0.2', '10.0.0.3'],
          'global-catalog': ['10.0.0.2'],
          'dns-server': ['10.0.0.0/30'],
          'web-user': ['10.0.0.0/8', '10.0.0.3'],
          'jit-target': ['*.corp.example', 'dc1.corp.example'],
          'oidc-provider': ['dc1.corp.example'],
        },
      },
      'inv.json',
      ams,
    );
    expect(inv.rolesForAddress(w('10.0.0.2'))).toEqual(['dns-server', 'domain-controller', 'global-catalog', 'web-user']);
    expect(inv.rolesForAddress(w('10.0.0.3'))).toEqual(['dns-server', 'domain-controller', 'web-user']);
    expect(inv.rolesForAddress(w('10.0.0.1'))).toEqual(['dns-server', 'web-user']);
    expect(inv.rolesForAddress(w('10.0.0.4'))).toEqual(['web-user']);
    expect(inv.rolesForAddress(w('10.255.255.255'))).toEqual(['web-user']);
    expect(inv.rolesForAddress(w('11.0.0.0'))).toEqual([]);
    expect(inv.rolesForName('dc1.corp.example')).toEqual(['jit-target', 'oidc-provider']);
    expect(inv.rolesForName('pc9.corp.example')).toEqual(['jit-target']);
  });

  it('the same address listed twice in one role still yields one role', () => {
    const inv = compileInventory({ roles: { 'ams-server': ['10.0.0.10', '10.0.0.10/32', '10.0.0.0/24'] } }, 'i', ams);
    expect(inv.rolesForAddress(w('10.0.0.10'))).toEqual(['ams-server']);
  });

  it('an empty inventory still knows the default hosts', () => {
    const inv = loadInventory(undefined, ams);
    expect(inv.origin).toBe('(none)');
    expect(inv.sha256).toBeNull();
    expect(inv.features).toEqual([]);
    expect(inv.rolesForAddress(w('10.0.0.1'))).toEqual([]);
    expect(inv.hasAddress(w('2001:db8::1'))).toBe(false);
    expect(inv.rolesForName('graph.microsoft.com')).toEqual(['microsoft-graph']);
    expect(inv.nameForAddress!(w('10.0.0.1'))).toBeUndefined();
  });

  it('looks up many addresses against many members exactly (speed is for npm run bench, not tests)', () => {
    const members = Array.from({ length: 2000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/28`);
    const inv = compileInventory({ roles: { 'web-user': members, 'ams-server': ['2001:db8::/64'] } }, 'i', ams);
    const a = new Uint32Array([0, 0, 0xffff, 0]);
    const b = w('2001:db8::5');
    let hits = 0;
    let expected = 0;
    for (let i = 0; i < 300_000; i++) {
      const addr = (0x0a000000 + i * 7) >>> 0;
      a[3] = addr;
      hits += inv.rolesForAddress(a).length + inv.rolesForAddress(b).length;
      const [o2, o3, o4] = [(addr >>> 16) & 255, (addr >>> 8) & 255, addr & 255];
      expected += 1 + (o2 < 8 && o2 * 256 + o3 < 2000 && o4 < 16 ? 1 : 0);
    }
    expect(hits).toBe(expected);
    expect(hits).toBeGreaterThan(300_000);
  });
});

describe('friendly names', () => {
  const inv = compileInventory(
    {
      roles: {
        'domain-controller': [{ address: '10.0.0.2', name: 'dc1' }, '10.0.0.3'],
        'dns-server': [{ address: '10.0.0.2', name: 'ignored-second-name' }],
        'web-user': [{ address: '10.0.3.0/24', name: 'office LAN' }],
        'oidc-provider': [{ address: 'idp.example.org', name: 'Okta' }],
      },
      names: { '10.0.0.3': 'dc2', '10.0.3.128/25': 'office wifi', '2001:db8::53': 'dns6' },
    },
    'inv.json',
    ams,
  );

  it.each([
    ['10.0.0.2', 'dc1'],
    ['10.0.0.3', 'dc2'],
    ['10.0.3.1', 'office LAN'],
    ['10.0.3.200', 'office wifi'],
    ['2001:db8::53', 'dns6'],
    ['10.0.0.4', undefined],
  ])('nameForAddress(%s) = %s', (addr, name) => {
    expect(inv.nameForAddress!(w(addr))).toBe(name);
  });

  it('object members still give roles and keep their name', () => {
    expect(inv.rolesForAddress(w('10.0.0.2'))).toEqual(['dns-server', 'domain-controller']);
    expect(inv.rolesForName('idp.example.org')).toEqual(['oidc-provider']);
    expect(inv.roles.find((r) => r.name === 'domain-controller')!.members).toEqual([
      { text: '10.0.0.2', kind: 'ipv4', name: 'dc1' },
      { text: '10.0.0.3', kind: 'ipv4' },
    ]);
  });
});

describe('inventory errors', () => {
  it.each<[string, unknown, string]>([
    ['bad address', { roles: { 'domain-controller': ['10.0.0.2', '10.0.0.300'] } },
      'inv.json: role "domain-controller": "10.0.0.300" is not an IPv4/IPv6 address, CIDR, range, host name or *.suffix pattern'],
    ['reversed range', { roles: { 'web-user': ['10.0.4.20-10.0.4.10'] } },
      'inv.json: role "web-user": "10.0.4.20-10.0.4.10" is a range whose start is after its end'],
    ['unknown role', { roles: { 'domain-controler': ['10.0.0.2'] } },
      'inv.json: role "domain-controler" is not a role of matrix ams (known roles: ams-server, domain-controller, global-catalog, dns-server, sql-server, jit-target, domain-joined-agent, non-domain-agent, web-user, oidc-provider, lithnet-updates, microsoft-graph, microsoft-login)'],
    ['undeclared feature', { roles: {}, features: ['azure-ad', 'azuread'] },
      'inv.json: feature 2 ("azuread"): feature "azuread" is not declared by matrix ams (declared: azure-ad, oidc, external-sql)'],
    ['names key is a host name', { roles: {}, names: { 'dc1.example': 'dc1' } },
      'inv.json: names: "dc1.example" is not an IPv4/IPv6 address, CIDR or range'],
    ['schema: roles missing', { features: [] }, 'inv.json: missing "roles"'],
    ['schema: member not a string', { roles: { 'ams-server': [42] } },
      'inv.json: role "ams-server", member 1: must be a string or an object {"address": …, "name": …}'],
    ['schema: member object without address', { roles: { 'ams-server': [{ name: 'x' }] } },
      'inv.json: role "ams-server", member 1: must be a string or an object'],
    ['schema: role not a list', { roles: { 'ams-server': '10.0.0.10' } }, 'inv.json: role "ams-server": "10.0.0.10" is a string, not a list; write ["10.0.0.10"]'],
    ['schema: unknown key', { roles: {}, hosts: [] }, 'inv.json: "hosts" is not an allowed property'],
  ])('%s', (_label, json, message) => {
    const e = errorOf(() => compileInventory(json, 'inv.json', ams));
    expect(e.policy).toBe('inventory');
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message).toContain(message);
  });

  it('lists every problem, one per line', () => {
    const e = errorOf(() => compileInventory({ roles: { 'ams-server': ['x..y', '1.2.3.999'], nope: [] } }, 'inv.json', ams));
    expect(e.message.split('\n')).toHaveLength(3);
  });
});

describe('loadInventory from a file', () => {
  it('sha256 of the file bytes, origin = path', () => {
    const text = JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'] }, features: ['oidc'] });
    const p = join(dir, 'inv.json');
    writeFileSync(p, text);
    const inv = loadInventory(p, ams);
    expect(inv.origin).toBe(p);
    expect(inv.sha256).toBe(sha256Hex(Buffer.from(text)));
    expect(inv.features).toEqual(['oidc']);
    expect(inv.rolesForAddress(w('10.0.0.10'))).toEqual(['ams-server']);
  });

  it('bad JSON gives file:line:column', () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, '{\n  "roles": {\n    "ams-server": ["10.0.0.1",]\n  }\n}\n');
    const e = errorOf(() => loadInventory(p, ams));
    expect(e.policy).toBe('inventory');
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid JSON: `));
  });

  it('missing file names the file', () => {
    const p = join(dir, 'nope.json');
    expect(errorOf(() => loadInventory(p, ams)).message).toBe(`${p}: cannot read inventory: no such file`);
  });
});
