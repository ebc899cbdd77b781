/** `live --as ROLE`: extra members added to a role on top of the inventory file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { addressWords, loadInventory, withExtraMembers } from '../../src/matrix/inventory.js';

const AMS = loadMatrix('builtin:ams');

describe('inventory extra members (--as)', () => {
  it('adds members to a role, keeping the file members and not changing the input', () => {
    const json = { roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2'] } };
    const out = withExtraMembers(json, { 'ams-server': ['10.99.0.1', 'fd00::1'] }) as typeof json;
    expect(out.roles['ams-server']).toEqual(['10.0.0.10', '10.99.0.1', 'fd00::1']);
    expect(json.roles['ams-server']).toEqual(['10.0.0.10']);
  });

  it('without a file, and with a file: the role matches the added addresses', () => {
    const none = loadInventory(undefined, AMS, { 'ams-server': ['192.0.2.7'] });
    expect(none.rolesForAddress(addressWords('192.0.2.7'))).toEqual(['ams-server']);
    const dir = mkdtempSync(join(tmpdir(), 'fa-inv-'));
    const path = join(dir, 'inv.json');
    writeFileSync(path, JSON.stringify({ roles: { 'domain-controller': ['192.0.2.7'] } }));
    const inv = loadInventory(path, AMS, { 'ams-server': ['192.0.2.7', '192.0.2.8'] });
    expect(inv.rolesForAddress(addressWords('192.0.2.7'))).toEqual(['ams-server', 'domain-controller']);
    expect(inv.rolesForAddress(addressWords('192.0.2.8'))).toEqual(['ams-server']);
    expect(inv.origin).toBe(path);
  });

  it('an unknown role is the usual inventory error', () => {
    expect(() => loadInventory(undefined, AMS, { 'ams-sever': ['192.0.2.7'] })).toThrow(/role "ams-sever" is not a role/);
  });
});
