import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { exitCodeOf } from '../../src/cli/exit_codes.js';
import {
  compileMatrix,
  lineColumn,
  loadMatrix,
  mergeMatrices,
  type MatrixFile,
} from '../../src/matrix/load_matrix.js';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { canonicalJson, canonicalSha256, sha256Hex } from '../../src/matrix/canonical_json.js';
import { findJsonSyntaxError } from '../../src/matrix/json_syntax.js';
import { pathInWords } from '../../src/matrix/schema_words.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function base(): MatrixFile {
  return {
    name: 'lab',
    version: '1',
    source: 'test',
    features: [{ name: 'azure-ad', description: 'Azure AD' }],
    roles: { a: { description: 'A' }, b: {}, graph: { hosts: ['graph.microsoft.com'] } },
    rules: [
      { id: 'r0', source: 'a', destination: 'b', protocol: 'tcp', ports: ['389'], requirement: 'required', description: 'x' },
      { id: 'r1', source: 'a', destination: 'b', protocol: 'udp', ports: ['53'], requirement: 'optional', description: 'x' },
      { id: 'r2', source: 'a', destination: 'graph', protocol: 'tcp', ports: ['443'], requirement: 'conditional', feature: 'azure-ad', description: 'x' },
      { id: 'r3', source: 'b', destination: 'a', protocol: 'tcp', ports: ['135', '49152-65535'], requirement: 'required', description: 'x' },
    ],
  };
}

function errorOf(f: () => unknown): PolicyError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

function writeJson(name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return p;
}

describe('compileMatrix', () => {
  it('compiles a valid matrix', () => {
    const m = compileMatrix(base(), 'lab.json', 'abc');
    expect(m.name).toBe('lab');
    expect(m.origin).toBe('lab.json');
    expect(m.sha256).toBe('abc');
    expect(m.roles.map((r) => r.name)).toEqual(['a', 'b', 'graph']);
    expect(m.roles[2]!.hosts).toEqual(['graph.microsoft.com']);
    expect(m.rules[3]!.portRanges).toEqual([
      { from: 135, to: 135 },
      { from: 49152, to: 65535 },
    ]);
    expect(m.rules[2]!.feature).toBe('azure-ad');
    expect(m.features).toEqual([{ name: 'azure-ad', description: 'Azure AD' }]);
  });

  type Mutate = (f: MatrixFile & Record<string, unknown>) => void;
  const set = (fn: Mutate): Mutate => fn;

  it.each<[string, Mutate, string]>([
    ['bad port pattern', set((f) => { f.rules[3]!.ports[0] = '13 5'; }), 'matrix.json: rule 4 ("r3"), ports[0]: "13 5" is not a port; write a port "443" or a range "49152-65535"'],
    ['missing required property', set((f) => { delete (f.rules[1] as Partial<MatrixFile['rules'][0]>).description; }), 'matrix.json: rule 2 ("r1"): missing "description"'],
    ['bad protocol', set((f) => { (f.rules[0] as { protocol: string }).protocol = 'sctp'; }), 'matrix.json: rule 1 ("r0"), protocol: "sctp" is not one of "tcp", "udp"'],
    ['bad requirement', set((f) => { (f.rules[0] as { requirement: string }).requirement = 'must'; }), 'matrix.json: rule 1 ("r0"), requirement: "must" is not one of "required", "conditional", "optional"'],
    ['unknown property', set((f) => { (f.rules[2] as unknown as Record<string, unknown>).colour = 'red'; }), 'matrix.json: rule 3 ("r2"): "colour" is not an allowed property'],
    ['unknown top-level property', set((f) => { f.extra = 1; }), 'matrix.json: "extra" is not an allowed property'],
    ['missing top-level name', set((f) => { delete (f as Partial<MatrixFile>).name; }), 'matrix.json: missing "name"'],
    ['row not an integer', set((f) => { f.rules[0]!.row = 1.5; }), 'matrix.json: rule 1 ("r0"), row: 1.5 is a number, not an integer'],
    ['row zero', set((f) => { f.rules[0]!.row = 0; }), 'matrix.json: rule 1 ("r0"), row: 0 is below 1'],
    ['empty ports', set((f) => { f.rules[0]!.ports = []; }), 'matrix.json: rule 1 ("r0"), ports: is empty; list at least 1'],
    ['rule id not kebab-case', set((f) => { f.rules[0]!.id = 'Bad Id'; }), 'matrix.json: rule 1 ("Bad Id"), id: "Bad Id" is not a name in lower case with dashes, e.g. "ams-ldap"'],
    ['role name not kebab-case', set((f) => { f.roles!['Web Users'] = {}; }), 'matrix.json: "roles": "Web Users" is not a name in lower case with dashes, e.g. "ams-server"'],
    ['ports not an array', set((f) => { (f.rules[0] as { ports: unknown }).ports = '389'; }), 'matrix.json: rule 1 ("r0"), ports: "389" is a string, not a list; write ["389"]'],
  ])('schema: %s', (_label, mutate, message) => {
    const f = base() as MatrixFile & Record<string, unknown>;
    mutate(f);
    const e = errorOf(() => compileMatrix(f, 'matrix.json', 'x'));
    expect(e.policy).toBe('matrix');
    expect(exitCodeOf(e)).toBe(2);
    expect(e.message).toContain(message);
  });

  it.each<[string, Mutate, string]>([
    ['duplicate rule id', set((f) => { f.rules[2]!.id = 'r0'; }), 'm.json: rule 3 ("r0"), id: duplicate rule id "r0" (first at /rules/0)'],
    ['unknown source role', set((f) => { f.rules[1]!.source = 'c'; }), 'm.json: rule 2 ("r1"), source: unknown role "c" (known roles: a, b, graph)'],
    ['unknown destination role', set((f) => { f.rules[0]!.destination = 'dc'; }), 'm.json: rule 1 ("r0"), destination: unknown role "dc"'],
    ['conditional without feature', set((f) => { delete f.rules[2]!.feature; }), 'm.json: rule 3 ("r2"): a "conditional" rule needs a "feature"'],
    ['undeclared feature', set((f) => { f.rules[2]!.feature = 'oidc'; }), 'm.json: rule 3 ("r2"), feature: feature "oidc" is not declared in /features (declared: azure-ad)'],
    ['undeclared feature, no features', set((f) => { delete f.features; }), 'm.json: rule 3 ("r2"), feature: feature "azure-ad" is not declared in /features (declared: none)'],
    ['duplicate feature', set((f) => { f.features!.push({ name: 'azure-ad', description: 'again' }); }), 'm.json: feature 2 ("azure-ad"), name: duplicate feature "azure-ad"'],
    ['port out of range', set((f) => { f.rules[0]!.ports = ['65536']; }), 'm.json: rule 1 ("r0"), ports[0]: port 65536 is out of range 0-65535'],
    ['range end out of range', set((f) => { f.rules[3]!.ports = ['135', '49152-70000']; }), 'm.json: rule 4 ("r3"), ports[1]: port 70000 is out of range 0-65535'],
    ['range from > to', set((f) => { f.rules[3]!.ports = ['65535-49152']; }), 'm.json: rule 4 ("r3"), ports[0]: range "65535-49152": start 65535 is greater than end 49152'],
  ])('semantic: %s', (_label, mutate, message) => {
    const f = base() as MatrixFile & Record<string, unknown>;
    mutate(f);
    const e = errorOf(() => compileMatrix(f, 'm.json', 'x'));
    expect(e.policy).toBe('matrix');
    expect(e.message).toContain(message);
  });

  it('reports every semantic problem, one per line', () => {
    const f = base();
    f.rules[0]!.ports = ['70000'];
    f.rules[1]!.source = 'zz';
    const lines = errorOf(() => compileMatrix(f, 'm.json', 'x')).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('m.json: rule '))).toBe(true);
  });
});

describe('loadMatrix from files', () => {
  it('loads a file, sha256 of its bytes, origin = path', () => {
    const text = JSON.stringify(base(), null, 2);
    const p = writeJson('ok.json', text);
    const m = loadMatrix(p);
    expect(m.origin).toBe(p);
    expect(m.sha256).toBe(sha256Hex(Buffer.from(text)));
    expect(m.rules).toHaveLength(4);
  });

  it('accepts a UTF-8 BOM and a $schema key', () => {
    const p = writeJson('bom.json', `\ufeff${JSON.stringify({ $schema: '../schema/matrix.schema.json', ...base() })}`);
    expect(loadMatrix(p).name).toBe('lab');
  });

  it.each([
    ['trailing comma', '{\n  "name": "x",\n}', ':3:1: invalid JSON: '],
    ['missing colon', '{\n  "name" "x"\n}', ':2:10: invalid JSON: '],
    ['truncated', '{\n  "name": "x"', ':2:14: invalid JSON: '],
    ['empty file', '', ':1:1: invalid JSON: '],
  ])('bad JSON (%s) → file:line:column', (_label, text, where) => {
    const p = writeJson(`bad-${_label.replace(/ /g, '-')}.json`, text);
    const e = errorOf(() => loadMatrix(p));
    expect(e.policy).toBe('matrix');
    expect(e.message.startsWith(`${p}${where}`)).toBe(true);
  });

  it('unreadable file names the file', () => {
    const p = join(dir, 'missing.json');
    const e = errorOf(() => loadMatrix(p));
    expect(e.policy).toBe('matrix');
    expect(e.message).toBe(`${p}: cannot read matrix: no such file`);
    const d = join(dir, 'a-directory');
    mkdirSync(d);
    expect(errorOf(() => loadMatrix(d)).message).toBe(`${d}: cannot read matrix: is a directory`);
  });

  it('unknown builtin lists the available ones', () => {
    expect(errorOf(() => loadMatrix('builtin:nope')).message).toBe('builtin:nope: unknown built-in matrix (available: builtin:ams, builtin:ad-infrastructure)');
  });

  it('schema errors name the file path', () => {
    const f = base();
    f.rules[3]!.ports[0] = 'x';
    const p = writeJson('schema-bad.json', f);
    expect(errorOf(() => loadMatrix(p)).message).toBe(`${p}: rule 4 ("r3"), ports[0]: "x" is not a port; write a port "443" or a range "49152-65535"`);
  });
});

describe('helpers', () => {
  it.each([
    ['abc', 0, 1, 1],
    ['abc', 2, 1, 3],
    ['a\nbc', 2, 2, 1],
    ['a\nbc\n', 5, 3, 1],
  ])('lineColumn(%j, %i) = %i:%i', (text, off, line, column) => {
    expect(lineColumn(text, off)).toEqual({ line, column });
  });

  it.each([
    ['{"a": [1, 2,]}', 12, 'unexpected "]"'],
    ['{"a" 1}', 5, "expected ':', found \"1\""],
    ['{"a": 1 "b": 2}', 8, "expected ',' or '}', found \"\\\"\""],
    ['[1 2]', 3, "expected ',' or ']', found \"2\""],
    ['{"a": tru}', 9, 'unexpected "}"'],
    ['{"a": "x\ny"}', 8, 'control character in string'],
    ['{"a": "x', 8, 'unterminated string'],
    ['{} x', 3, 'unexpected text after the JSON value'],
    ['{', 1, 'unexpected end of input'],
    ['', 0, 'unexpected end of input'],
    ['{"a": 01}', 7, 'expected \',\' or \'}\', found "1"'],
  ])('findJsonSyntaxError(%j) at %i: %s', (text, offset, reason) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(findJsonSyntaxError(text)).toEqual({ offset, reason });
  });

  it.each(['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', '{"a": [true, false, null, {"b": "c"}]}', ' \n{ "x" : 1 }\n'])(
    'findJsonSyntaxError(%j) = null for valid JSON',
    (text) => {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text)).toBeNull();
    },
  );

  it('canonicalJson sorts keys recursively and drops undefined', () => {
    expect(canonicalJson({ b: [{ y: 1, x: 2 }], a: 'q', c: undefined })).toBe('{"a":"q","b":[{"x":2,"y":1}]}');
  });

  it.each([
    ['undefined, functions and symbols', { a: [1, undefined, () => 1, Symbol('s'), 2], b: undefined, c: () => 1, d: Symbol('x'), e: null }],
    ['non-finite numbers', { n: [NaN, Infinity, -Infinity, -0, 1e21], m: NaN }],
    ['toJSON (a Date)', { when: new Date(Date.UTC(2026, 10, 30, 1, 2, 3)), list: [new Date(0)] }],
    ['strings that need escaping', { 'k"ey': 'line\nbreak\u2028 "quoted" \\ é', z: ['\u0000'] }],
    ['nesting', { z: { y: { x: [[{ b: 1, a: 2 }], []] } }, a: {} }],
    ['integer-like keys (Object.keys puts them first, numerically)', { rows: [{ '10': 1, '9': 2, b: 3 }, { '1': 'a', '2': 'b' }, { a: 1, b: undefined, c: () => 1 }] }],
    ['rows already in key order with plain values', { rows: [{ a: 1, b: 'x', c: null, d: true }, { a: 2, b: 'y', c: [1, 2], d: false }] }],
  ])('canonicalJson of %s equals that of its JSON.parse(JSON.stringify()) copy', (_what, value) => {
    expect(canonicalJson(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
  });

  it.each([
    ['array-index keys in code-unit order, not numeric', { '10': 1, '9': 2, b: { '2': 'x', '10': 'y' } }, '{"10":1,"9":2,"b":{"10":"y","2":"x"}}'],
    ['a "__proto__" key stays a key', JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}') as unknown, '{"__proto__":{"x":1},"a":2,"b":1}'],
    ['keys named like Object.prototype members and toJSON stay data', JSON.parse('{"toJSON":"x","constructor":{"b":1,"a":2},"hasOwnProperty":1,"__proto__":null}') as unknown, '{"__proto__":null,"constructor":{"a":2,"b":1},"hasOwnProperty":1,"toJSON":"x"}'],
    ['nested objects and arrays of objects', { z: [{ b: 2, a: 1 }], a: { d: [3, { f: 1, e: 2 }], c: null } }, '{"a":{"c":null,"d":[3,{"e":2,"f":1}]},"z":[{"a":1,"b":2}]}'],
  ])('canonicalJson: %s', (_what, value, want) => {
    expect(canonicalJson(value)).toBe(want);
    expect(canonicalSha256(value)).toBe(sha256Hex(want));
  });

  it('canonicalJson with omit writes the object as if those keys were deleted', () => {
    const report = { generatedAt: 't', b: 1, evidence: { argv: ['x'], resultSha256: 'h', tool: 'flowaudit', z: [1] }, a: { generatedAt: 'kept below the top' } };
    const copy = JSON.parse(JSON.stringify(report)) as { generatedAt?: string; evidence: Record<string, unknown> };
    delete copy.generatedAt;
    delete copy.evidence.argv;
    delete copy.evidence.resultSha256;
    const omit = { top: ['generatedAt'], nested: { key: 'evidence', keys: ['argv', 'resultSha256'] } };
    expect(canonicalJson(report, omit)).toBe(canonicalJson(copy));
    expect(canonicalSha256(report, omit)).toBe(sha256Hex(canonicalJson(copy)));
  });

  it('canonicalSha256 is the SHA-256 of canonicalJson\'s UTF-8 text (astral characters included)', () => {
    const big = { items: Array.from({ length: 3000 }, (_, i) => ({ i, s: `𝄞 ${'é'.repeat(i % 40)} 😀 ${i}` })) };
    const text = JSON.stringify(big); // its keys are already in order: this is the canonical text
    expect(canonicalJson(big)).toBe(text);
    expect(canonicalSha256(big)).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
  });
});

describe('mergeMatrices', () => {
  const other = (): MatrixFile => ({
    name: 'extra',
    version: '2',
    source: 'ops',
    features: [{ name: 'backup', description: 'Backups' }],
    roles: { a: { description: 'other A' }, graph: { hosts: ['GRAPH.microsoft.com', 'graph.example'] }, backup: {} },
    rules: [{ id: 'x0', source: 'a', destination: 'backup', protocol: 'tcp', ports: ['22'], requirement: 'conditional', feature: 'backup', description: 'ssh' }],
  });

  it('returns a single matrix unchanged', () => {
    const m = compileMatrix(base(), 'a.json', 's');
    expect(mergeMatrices([m])).toBe(m);
  });

  it('merges rules, roles (hosts united) and features', () => {
    const m = mergeMatrices([loadMatrix('builtin:ams'), compileMatrix(base(), 'a.json', 's1'), compileMatrix(other(), 'b.json', 's2')]);
    expect(m.rules).toHaveLength(17 + 4 + 1);
    expect(m.origin).toBe('builtin:ams, a.json, b.json');
    expect(m.name).toBe('ams+lab+extra');
    const roleA = m.roles.find((r) => r.name === 'a')!;
    expect(roleA.description).toBe('A');
    expect(m.roles.find((r) => r.name === 'graph')!.hosts).toEqual(['graph.microsoft.com', 'graph.example']);
    expect(m.features.map((f) => f.name)).toEqual(['azure-ad', 'oidc', 'external-sql', 'backup']);
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a rule id clash, naming both origins', () => {
    const o = other();
    o.rules[0]!.id = 'r2';
    const e = errorOf(() => mergeMatrices([compileMatrix(base(), 'a.json', 's1'), compileMatrix(o, 'b.json', 's2')]));
    expect(e.policy).toBe('matrix');
    expect(e.message).toBe('b.json: rule id "r2" is already defined by a.json');
  });

  it('rejects an empty list', () => {
    expect(errorOf(() => mergeMatrices([])).policy).toBe('matrix');
  });
});

describe('matrix problems in words (issue 20)', () => {
  it.each([
    ['tcp/443', 'rule 1 ("r0"), ports[0]: "tcp/443" is not a port; write "443" with "protocol": "tcp" (one protocol per rule)'],
    ['443/udp', 'rule 1 ("r0"), ports[0]: "443/udp" is not a port; write "443" with "protocol": "udp" (one protocol per rule)'],
    ['https', 'rule 1 ("r0"), ports[0]: "https" is not a port; write a port "443" or a range "49152-65535"'],
    [443, 'rule 1 ("r0"), ports[0]: 443 is a number, not a string; write "443"'],
  ])('port %j', (port, words) => {
    const f = base() as unknown as { rules: { ports: unknown[] }[] };
    f.rules[0]!.ports = [port];
    expect(errorOf(() => compileMatrix(f, 'site.json', 'x')).message).toBe(`site.json: ${words}`);
  });

  it.each([
    ['/', ''],
    ['/rules/1/ports/0', 'rule 2 ("r1"), ports[0]'],
    ['/rules/9', 'rule 10'],
    ['/roles/graph/hosts/0', 'role "graph", hosts[0]'],
    ['/roles/ams-server/2', 'role "ams-server", member 3'],
    ['/features/0/name', 'feature 1 ("azure-ad"), name'],
    ['/name', '"name"'],
  ])('pathInWords(%j)', (pointer, words) => {
    expect(pathInWords(pointer, base())).toBe(words);
  });

  it('an inventory given as --matrix says so in one line', () => {
    const p = writeJson('inventory-as-matrix.json', { roles: { 'ams-server': ['10.0.0.10'] } });
    expect(errorOf(() => loadMatrix(p)).message).toBe(`${p}: this is an inventory (roles list their members), not a flow matrix; give it with --inventory`);
  });
});

describe('an add-on matrix uses the roles of the matrices it is merged with (issue 20)', () => {
  const addOn = { name: 'site', version: '1', source: 'us', rules: [{ id: 'site-backup', source: 'ams-server', destination: 'backup', protocol: 'tcp', ports: ['8443'], requirement: 'optional', description: 'backup agent' }], roles: { backup: { description: 'the backup server' } } };

  it('its own role plus ams-server from builtin:ams: merged without repeating ams-server', () => {
    const p = writeJson('site-addon.json', addOn);
    const m = mergeMatrices([loadMatrix('builtin:ams', { addOn: true }), loadMatrix(p, { addOn: true })]);
    expect(m.rules.find((r) => r.id === 'site-backup')).toMatchObject({ source: 'ams-server', destination: 'backup' });
    expect(m.roles.map((r) => r.name)).toContain('backup');
  });

  it('without "roles" at all', () => {
    const { roles: _drop, ...noRoles } = addOn;
    const p = writeJson('site-noroles.json', { ...noRoles, rules: [{ ...addOn.rules[0]!, destination: 'domain-controller' }] });
    expect(mergeMatrices([loadMatrix('builtin:ams', { addOn: true }), loadMatrix(p, { addOn: true })]).rules.at(-1)!.destination).toBe('domain-controller');
  });

  it('a role no merged matrix defines: one line naming the file, the rule and the roles known', () => {
    const p = writeJson('site-typo.json', { ...addOn, rules: [{ ...addOn.rules[0]!, source: 'ams-srv' }] });
    const e = errorOf(() => mergeMatrices([loadMatrix('builtin:ams', { addOn: true }), loadMatrix(p, { addOn: true })]));
    expect(e.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: rule 1 \\("site-backup"\\), source: unknown role "ams-srv" \\(known roles of builtin:ams \\+ .*: ams-server, .*backup\\)$`));
  });

  it('alone, an add-on without its roles is the usual unknown-role error', () => {
    const p = writeJson('site-alone.json', { ...addOn, roles: {} });
    expect(errorOf(() => loadMatrix(p)).message).toMatch(/: rule 1 \("site-backup"\), source: unknown role "ams-server" \(known roles: \)/);
  });
});
