/**
 * A discovered inventory (issue 10) loads as a normal inventory, and every audit report format says
 * the inventory was discovered; the JSON carries each member's evidence. A reviewed inventory's
 * reports do not change.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { runCli } from '../support/run_cli.js';

const ams = loadMatrix('builtin:ams');
const discovered = {
  roles: {
    'ams-server': [{ address: '10.0.0.10', evidence: ['talks LDAP tcp/389 to 10.0.0.2'], confidence: 'high' }],
    'domain-controller': [{ address: '10.0.0.2', name: 'dc1.corp.example', evidence: ['answered Kerberos tcp/88'], confidence: 'medium' }],
  },
  discovered: { tool: 'flowaudit discover 0.1.0', generatedAt: '2026-03-02T10:00:00Z', undecided: [{ subject: '10.0.5.40', roles: ['web-user', 'non-domain-agent'], reason: 'HTTPS to the AMS only' }] },
};

describe('discovered inventory files', () => {
  it('compile with evidence, confidence and the discovered block', () => {
    const inv = compileInventory(discovered, 'd.json', ams);
    expect(inv.discovered?.tool).toBe('flowaudit discover 0.1.0');
    expect(inv.roles.find((r) => r.name === 'domain-controller')?.members[0]).toMatchObject({ text: '10.0.0.2', confidence: 'medium', evidence: ['answered Kerberos tcp/88'] });
  });
  it.each([
    ['a confidence outside high/medium/low', { roles: { 'ams-server': [{ address: '10.0.0.10', confidence: 'sure' }] } }, /role "ams-server", member 1: must be a string or an object .*confidence/],
    ['evidence that is not a list', { roles: { 'ams-server': [{ address: '10.0.0.10', evidence: 'x' }] } }, /role "ams-server", member 1: /],
    ['a discovered block without generatedAt', { roles: {}, discovered: { tool: 'x' } }, /discovered/],
  ])('reject %s', (_what, json, msg) => {
    expect(() => compileInventory(json, 'bad.json', ams)).toThrow(msg);
  });

  it('make every audit format say the inventory was discovered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-disc-'));
    const path = join(dir, 'discovered.json');
    writeFileSync(path, JSON.stringify(discovered));
    const base = ['audit', 'fixtures/ams-lab.pcapng', '-i', path, '--exit-zero'];
    const json = JSON.parse((await runCli([...base, '-f', 'json'])).stdout);
    expect(json.inventory.discovered).toMatchObject({ discovered: true, tool: 'flowaudit discover 0.1.0', undecided: [{ subject: '10.0.5.40' }] });
    expect(json.inventory.discovered.members).toEqual([
      { role: 'ams-server', member: '10.0.0.10', name: null, confidence: 'high', evidence: ['talks LDAP tcp/389 to 10.0.0.2'] },
      { role: 'domain-controller', member: '10.0.0.2', name: 'dc1.corp.example', confidence: 'medium', evidence: ['answered Kerberos tcp/88'] },
    ]);
    expect((await runCli([...base, '-f', 'text'])).stdout).toMatch(/inventory DISCOVERED by flowaudit discover 0\.1\.0 on 2026-03-02T10:00:00Z: a proposal/);
    expect((await runCli([...base, '-f', 'markdown'])).stdout).toMatch(/\*\*Warning:\*\* inventory DISCOVERED/);
    expect((await runCli([...base, '-f', 'html'])).stdout).toMatch(/id="inventory-discovered"><p><strong>Warning:<\/strong> inventory DISCOVERED/);
    expect((await runCli([...base, '-f', 'csv'])).stdout).toMatch(/discovered-member,,medium,,,,domain-controller,,10\.0\.0\.2,/);
  });

  it('leave a reviewed inventory\'s report without the field', async () => {
    const json = JSON.parse((await runCli(['audit', 'fixtures/ams-lab.pcapng', '-i', 'fixtures/ams-lab.inventory.json', '--exit-zero', '-f', 'json'])).stdout);
    expect('discovered' in json.inventory).toBe(false);
  });
});
