/** The JSON examples in docs/matrix-format.md must stay valid. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addressWords, compileInventory } from '../../src/matrix/inventory.js';
import { compileMatrix, loadMatrix } from '../../src/matrix/load_matrix.js';

const doc = readFileSync(new URL('../../docs/matrix-format.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

describe('docs/matrix-format.md examples', () => {
  it('has a matrix and an inventory example', () => {
    expect(blocks).toHaveLength(2);
  });

  it('the matrix example is valid', () => {
    const m = compileMatrix(blocks[0], 'doc-matrix.json', 'x');
    expect(m.rules.map((r) => r.id)).toEqual(['ams-ldap', 'ams-rpc-dynamic', 'ams-graph-api']);
  });

  it('the inventory example is valid against builtin:ams', () => {
    const inv = compileInventory(blocks[1], 'doc-inv.json', loadMatrix('builtin:ams'));
    expect(inv.rolesForAddress(addressWords('10.0.0.2'))).toEqual(['dns-server', 'domain-controller', 'global-catalog']);
    expect(inv.nameForAddress!(addressWords('10.0.0.2'))).toBe('dc1');
    expect(inv.nameForAddress!(addressWords('10.0.0.3'))).toBe('dc2');
    expect(inv.nameForAddress!(addressWords('10.0.3.9'))).toBe('office LAN');
  });
});
