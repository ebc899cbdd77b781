import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMatrix, loadMatrix, matrixToFile, mergeMatrices, type MatrixFile } from '../../src/matrix/load_matrix.js';
import type { Matrix } from '../../src/matrix/types.js';
import { renderMatrix } from '../../src/report/matrix_report.js';

const dir = mkdtempSync(join(tmpdir(), 'flowaudit-show-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ams = loadMatrix('builtin:ams');

/** Everything but where it came from. */
const content = (m: Matrix): Omit<Matrix, 'origin' | 'sha256'> => {
  const { origin: _o, sha256: _s, ...rest } = m;
  return rest;
};

const tricky: MatrixFile = {
  name: 'tricky',
  version: '0',
  source: 'test',
  roles: { a: {}, b: {} },
  rules: [
    { id: 'eq', source: 'a', destination: 'b', protocol: 'tcp', ports: ['1'], requirement: 'required', description: '=HYPERLINK("http://x","y")', service: '@svc' },
    { id: 'quote', source: 'a', destination: 'b', protocol: 'udp', ports: ['2', '10-20'], requirement: 'optional', description: 'a, "quoted"\nline', note: '-1' },
  ],
};

describe('renderMatrix json', () => {
  it.each([
    ['builtin:ams', () => ams],
    ['a file without optional fields', () => compileMatrix(structuredClone(tricky), 't.json', 'x')],
    ['a merged matrix', () => mergeMatrices([ams, compileMatrix(structuredClone(tricky), 't.json', 'x')])],
  ])('%s round-trips through loadMatrix', (_label, make) => {
    const m = make();
    const text = renderMatrix(m, 'json');
    expect(text.endsWith('}\n')).toBe(true);
    const p = join(dir, `${_label.replace(/\W+/g, '-')}.json`);
    writeFileSync(p, text);
    const back = loadMatrix(p);
    expect(content(back)).toEqual(content(m));
    expect(renderMatrix(back, 'json')).toBe(text);
  });

  it('is the documented file format (key order, no compiled fields)', () => {
    const json = JSON.parse(renderMatrix(ams, 'json')) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['name', 'version', 'source', 'description', 'features', 'roles', 'rules']);
    expect(json).toEqual(matrixToFile(ams));
    const rule = (json.rules as Record<string, unknown>[])[0]!;
    expect(rule).not.toHaveProperty('portRanges');
  });
});

describe('renderMatrix text', () => {
  const text = renderMatrix(ams, 'text');
  const lines = text.split('\n');

  it('starts with the identifying header lines', () => {
    expect(lines[0]).toBe('Matrix:   ams (builtin:ams)');
    expect(lines[1]).toBe(`Version:  ${ams.version}`);
    expect(lines[2]).toBe(`Source:   ${ams.source}`);
    expect(lines[3]).toBe(`SHA-256:  ${ams.sha256}`);
  });

  it.each([
    ['ams-ldap', 'ams-server → domain-controller', 'tcp/389', 'required', 'LDAP', '5'],
    ['ams-rpc-dynamic', 'ams-server → domain-controller', 'tcp/49152-65535', 'required', 'RPC dynamic', '7'],
    ['ams-graph-api', 'ams-server → microsoft-graph', 'tcp/443', 'conditional (azure-ad)', 'HTTPS', '2'],
    ['web-oidc-login', 'web-user → oidc-provider', 'tcp/443', 'conditional (oidc)', 'HTTPS', '14'],
  ])('rule line %s', (id, flow, ports, req, service, row) => {
    const line = lines.find((l) => l.startsWith(`  ${id} `))!;
    expect(line.split(/ {2,}/).map((c) => c.trim()).filter(Boolean)).toEqual([id, flow, ports, req, service, row]);
  });

  it('aligns the rule table columns', () => {
    const header = lines.findIndex((l) => l.trimStart().startsWith('ID '));
    const table = lines.slice(header, header + 18);
    const col = table[0]!.indexOf('PROTO/PORTS');
    for (const l of table.slice(1)) expect(l.slice(col - 2, col)).toBe('  ');
    expect(table.slice(1).every((l) => /\S/.test(l[col]!))).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('renderMatrix csv', () => {
  it('has a header and one line per rule (builtin)', () => {
    const csv = renderMatrix(ams, 'csv');
    const rows = csv.trimEnd().split('\n');
    expect(rows[0]).toBe('id,source,destination,protocol,ports,requirement,feature,service,row,description,note');
    expect(rows).toHaveLength(18);
    expect(rows[9]).toBe('ams-rpc-dynamic,ams-server,domain-controller,tcp,49152-65535,required,,RPC dynamic,7,Authorization queries and ACL evaluation,The table gives no protocol for the dynamic range; DCE/RPC over TCP (as the endpoint mapper) is assumed');
  });

  it('neutralises formula cells, quotes specials, leaves numbers alone', () => {
    const csv = renderMatrix(compileMatrix(structuredClone(tricky), 't.json', 'x'), 'csv');
    const lines = csv.split('\n');
    expect(lines[1]).toBe(`eq,a,b,tcp,1,required,,'@svc,,"'=HYPERLINK(""http://x"",""y"")",`);
    expect(csv).toContain('quote,a,b,udp,2 10-20,optional,,,,"a, ""quoted""\nline",-1\n');
  });
});
