/**
 * Reports at scale: the generated crowd capture (fixtures/make_crowd.ts: 24 web users on RDP, 16
 * PCs outside the inventory on the web app, a port scanner, a `Host:` address literal) and the
 * bundled lab, in every format, against golden files; and the grouping itself.
 * Regenerate the goldens after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/report/crowd.test.ts
 */
import { readFileSync, } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commonPrefix, groupUnexpected } from '../../src/audit/grouping.js';
import type { UnexpectedGroup } from '../../src/audit/result.js';
import { buildCrowd, CROWD_INVENTORY } from '../../fixtures/make_crowd.js';
import { expectGolden } from '../support/golden.js';
import { runCli } from '../support/run_cli.js';
import { normalizeUnexpectedGroup } from '../../src/audit/normalize.js';

const CROWD = 'fixtures/crowd.pcapng';
const LAB = 'fixtures/ams-lab.pcapng';
const LAB_INV = 'fixtures/ams-lab.inventory.json';
const EXT: Record<string, string> = { text: 'txt', json: 'json', csv: 'csv', markdown: 'md', html: 'html' };

const golden = expectGolden;

describe('the crowd capture', () => {
  it('the committed capture is exactly what fixtures/make_crowd.ts generates', () => {
    expect(Buffer.from(buildCrowd()).equals(readFileSync(CROWD))).toBe(true);
  });

  it.each(Object.keys(EXT))('%s matches its golden file (crowd and lab)', async (format) => {
    const crowd = await runCli(['audit', CROWD, '--inventory', CROWD_INVENTORY, '--format', format]);
    expect(crowd.stderr).toBe('');
    expect(crowd.code).toBe(1);
    golden(`crowd.audit.${EXT[format]}`, crowd.stdout);
    if (format === 'markdown' || format === 'html') {
      const lab = await runCli(['audit', LAB, '--inventory', LAB_INV, '--format', format]);
      golden(`ams-lab.audit.${EXT[format]}`, lab.stdout);
    }
  });

  it('groups the unexpected flows by server and port, with client counts, role, prefix, top clients and names', async () => {
    const j = JSON.parse((await runCli(['audit', CROWD, '--inventory', CROWD_INVENTORY, '--format', 'json'])).stdout);
    const rdp = j.unexpectedByServer.find((g: { port: number }) => g.port === 3389);
    expect(rdp).toMatchObject({ server: '10.0.0.10', protocol: 'tcp', clients: 24, clientRoles: ['web-user'], clientPrefix: '10.0.3.0/24', serverRoles: ['ams-server'] });
    expect(rdp.serverNames[0]).toEqual({ name: 'ams1', source: 'inventory' });
    expect(rdp.topClients[0]).toMatchObject({ client: '10.0.3.100', connections: 3 });
    expect(rdp.topClients).toHaveLength(3);
    expect(rdp.text).toBe('24 web-user clients in 10.0.3.0/24 → 10.0.0.10 (ams1 [inventory]) tcp/3389: 30 connections');
    // The per-client detail stays: one unexpected[] entry per client, in the group's index range.
    const entries = j.unexpected.slice(rdp.firstEntry, rdp.firstEntry + rdp.clients);
    expect(entries.every((u: { port: number; server: string }) => u.port === 3389 && u.server === '10.0.0.10')).toBe(true);
    expect(entries.reduce((n: number, u: { connections: number }) => n + u.connections, 0)).toBe(rdp.connections);
    expect(entries[0].serverNames).toEqual([{ name: 'ams1', source: 'inventory' }]);
    const web = j.unexpectedByServer.find((g: { port: number }) => g.port === 443);
    expect(web).toMatchObject({ clients: 16, clientRoles: [], clientPrefix: '10.0.7.0/27', nearMissRules: ['agent-ams-api', 'web-https'] });
    // A DNS answer names pc7; the name and its evidence travel with the address.
    const pc7 = j.unexpected.find((u: { client: string }) => u.client === '10.0.7.7');
    expect(pc7.clientNames).toEqual([{ name: 'pc7.corp.example', source: 'dns' }]);
    expect(j.nearMisses.find((n: { client: string }) => n.client === '10.0.7.7').clientNames).toEqual([{ name: 'pc7.corp.example', source: 'dns' }]);
    // `Host: 10.0.0.10` is an address literal: not a name of 10.0.0.10, and no role from it.
    const ams = j.names.find((e: { address: string }) => e.address === '10.0.0.10');
    expect(ams.names.map((n: { name: string }) => n.name)).toEqual(['ams1']);
    // Every rule that matched has its first and last time; the builtin rules carry a trigger.
    for (const rule of j.rules) {
      expect(rule.firstSeen === null).toBe(rule.connections === 0);
      expect(typeof rule.trigger).toBe('string');
    }
  });

  it('text, Markdown, CSV and HTML say the same: grouped rows, names with evidence, verdict block in CSV', async () => {
    const t = (await runCli(['audit', CROWD, '--inventory', CROWD_INVENTORY])).stdout;
    expect(t).toContain('24 web-user clients in 10.0.3.0/24');
    expect(t).toMatch(/10\.0\.0\.10 \(ams1 \[inventory\]\) tcp\/3389 — 24 web-user clients in 10\.0\.3\.0\/24, top: 10\.0\.3\.100 3, /);
    const m = (await runCli(['audit', CROWD, '--inventory', CROWD_INVENTORY, '--format', 'markdown'])).stdout;
    expect(m).toContain('24 web-user clients in 10.0.3.0/24');
    expect(m).toContain('### Near misses');
    expect(m).toContain('#### Rule details');
    const csv = (await runCli(['audit', CROWD, '--inventory', CROWD_INVENTORY, '--format', 'csv'])).stdout.split('\n');
    expect(csv[0]).toMatch(/^kind,id,status,requirement,feature,source,destination,client,server,protocol,ports,connections,packets,bytes,answered,refused,unanswered,states,description,evidence,diagnosis,firstSeen,lastSeen,clientNames,serverNames,sha256,trigger$/);
    expect(csv[1]).toMatch(/^verdict,,fail,/);
    expect(csv.find((l) => l.startsWith('input,'))).toMatch(/^input,fixtures\/crowd\.pcapng,read,.*,[0-9a-f]{64},$/);
    expect(csv.filter((l) => l.startsWith('scan,'))).toHaveLength(1);
    expect(csv.find((l) => l.includes(',10.0.7.7,'))).toContain('pc7.corp.example [dns]');
  });
});

describe('grouping helpers', () => {
  it.each([
    [['10.0.3.5', '10.0.3.9'], '10.0.3.0/28'],
    [['10.0.3.5', '10.0.3.5'], '10.0.3.5/32'],
    [['10.66.3.1', '10.66.3.254'], '10.66.3.0/24'],
    [['10.0.0.1', '192.168.0.1'], null], // shorter than /8: says nothing
    [['fd00:3::15', 'fd00:3::99'], 'fd00:3::/120'],
    [['10.0.0.1', 'fd00::1'], null],
    [['10.0.0.1'], null],
  ])('commonPrefix(%j) = %j', (xs, want) => expect(commonPrefix(xs)).toBe(want));

  it('groups consecutive entries of one server, protocol and port; top clients by connections, ties by address order', () => {
    const e = (client: string, port: number, connections: number, roles: string[]): UnexpectedGroup => normalizeUnexpectedGroup({
      client, server: '10.0.0.10', protocol: 'tcp', port, clientRoles: roles, serverRoles: [], connections, packets: connections, bytes: 0,
      outcomes: { answered: connections, refused: 0, unanswered: 0 }, states: { SF: connections }, firstSeen: `t${client}`, lastSeen: `t${client}`, disabledRules: [],
    });
    const g = groupUnexpected([e('10.0.3.1', 3389, 1, ['a', 'b']), e('10.0.3.2', 3389, 5, ['b']), e('10.0.3.3', 3389, 1, ['b']), e('10.0.3.4', 3389, 1, ['b']), e('10.0.3.1', 3390, 2, [])], new Map());
    expect(g.map((x) => [x.port, x.clients, x.connections, x.firstEntry])).toEqual([[3389, 4, 8, 0], [3390, 1, 2, 4]]);
    expect(g[0]!.topClients.map((c) => c.client)).toEqual(['10.0.3.2', '10.0.3.1', '10.0.3.3']);
    expect(g[0]!.clientRoles).toEqual(['b']);
    expect(g[0]!.text).toBe('4 b clients in 10.0.3.0/29 → 10.0.0.10 tcp/3389: 8 connections');
    expect(g[1]!.text).toBe('10.0.3.1 → 10.0.0.10 tcp/3390: 2 connections');
  });
});
