/**
 * Inventory strictness (issue 8): CIDRs with host bits, duplicate JSON keys and the encodings
 * Windows tools write (UTF-8 with BOM, UTF-16 LE/BE with BOM) — each either an error that says
 * what to do, or accepted with the same result as plain UTF-8.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../../src/errors.js';
import { addressWords, loadInventory, parseMember } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';

const ams = loadMatrix('builtin:ams');
const dir = mkdtempSync(join(tmpdir(), 'fa-inv-strict-'));
const TEXT = '{\n  "roles": {\n    "ams-server": ["10.66.0.10"],\n    "domain-controller": ["10.66.0.2", "10.66.0.3"]\n  },\n  "names": {"10.66.0.3": "dc2"}\n}\n';

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('CIDR members with host bits set', () => {
  it.each([
    ['10.66.0.10/24', 'has host bits set: did you mean 10.66.0.0/24 or 10.66.0.10?'],
    ['192.0.2.77/28', 'has host bits set: did you mean 192.0.2.64/28 or 192.0.2.77?'],
    ['2001:db8::10/64', 'has host bits set: did you mean 2001:db8::/64 or 2001:db8::10?'],
  ])('%s → %s', (text, reason) => {
    expect(parseMember(text)).toEqual({ ok: false, reason });
  });

  it.each(['10.66.0.0/24', '10.66.0.10/32', '2001:db8::/64', '0.0.0.0/0'])('%s is a clean network', (text) => {
    expect(parseMember(text).ok).toBe(true);
  });

  it('the inventory error names the file, the role and the fix', () => {
    const p = file('cidr.json', '{"roles":{"domain-controller":["10.66.0.10/24"]}}');
    expect(errorOf(() => loadInventory(p, ams))).toContain(`role "domain-controller": "10.66.0.10/24" has host bits set: did you mean 10.66.0.0/24 or 10.66.0.10?`);
  });
});

describe('duplicate keys', () => {
  it.each([
    ['two "roles" objects', '{"roles": {"ams-server": ["10.0.0.1"]},\n "roles": {"domain-controller": ["10.0.0.2"]}}', 'dup1.json:2:2: duplicate key "roles" (first at 1:2)'],
    ['a role listed twice', '{"roles": {\n  "domain-controller": ["10.0.0.2"],\n  "domain-controller": ["10.0.0.3"]\n}}', 'dup2.json:3:3: duplicate key "domain-controller" (first at 2:3)'],
    ['a name listed twice', '{"roles": {}, "names": {"10.0.0.2": "dc1", "10.0.0.2": "dc9"}}', 'dup3.json:1:44: duplicate key "10.0.0.2" (first at 1:25)'],
  ])('%s is an error naming both places', (_what, text, message) => {
    const name = message.slice(0, message.indexOf(':'));
    expect(errorOf(() => loadInventory(file(name, text), ams))).toContain(message);
  });

  it('the same key in different objects, or inside strings, is fine', () => {
    const p = file('nodup.json', '{"roles": {"ams-server": ["10.0.0.1"], "web-user": ["10.0.3.0/24"]}, "names": {"10.0.0.1": "roles \\"roles\\""}}');
    expect(loadInventory(p, ams).roles.map((r) => r.name)).toContain('web-user');
  });
});

describe('encodings', () => {
  const utf16le = (s: string): Buffer => Buffer.from(s, 'utf16le');
  const utf16be = (s: string): Buffer => {
    const b = Buffer.from(s, 'utf16le');
    return b.swap16();
  };
  it.each([
    ['UTF-8', Buffer.from(TEXT, 'utf8')],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')])],
    ['UTF-16 LE with BOM (PowerShell 5 Out-File)', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(TEXT)])],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)])],
  ])('%s loads the same inventory', (name, bytes) => {
    const inv = loadInventory(file(`${name.replace(/\W+/g, '_')}.json`, bytes), ams);
    expect(inv.rolesForAddress(addressWords('10.66.0.3'))).toEqual(['domain-controller']);
    expect(inv.nameForAddress!(addressWords('10.66.0.3'))).toBe('dc2');
  });

  it('UTF-16 without a BOM, and bytes that are not UTF-8, are errors saying how to save the file', () => {
    expect(errorOf(() => loadInventory(file('nobom.json', utf16le(TEXT)), ams))).toBe(`${join(dir, 'nobom.json')}: looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a BOM`);
    expect(errorOf(() => loadInventory(file('latin1.json', Buffer.from('{"roles":{"ams-server":["caf\xe9.example"]}}', 'latin1')), ams))).toContain('is not UTF-8 text');
  });
});
