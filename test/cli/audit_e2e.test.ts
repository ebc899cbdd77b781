/**
 * End to end: the bundled lab through the real CLI (in-process), against golden files.
 * Regenerate the goldens after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/cli
 */
import { copyFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLab } from '../../fixtures/make_lab.js';
import { expectGolden } from '../support/golden.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, itShared } from '../support/shared.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

const golden = expectGolden;

describe('the bundled lab', () => {
  it('the committed capture is exactly what fixtures/make_lab.ts generates', () => {
    expect(Buffer.from(buildLab()).equals(readFileSync(LAB))).toBe(true);
  });

  it('audit --format json matches the golden report and exits 1 (the lab fails on purpose)', async () => {
    const r = await runCli(['audit', LAB, '--inventory', INV, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    golden('ams-lab.audit.json', r.stdout);
    const j = JSON.parse(r.stdout);
    expect(j.schema).toBe('flowaudit/audit@1');
    expect(j.verdict).toBe('fail');
    const status = Object.fromEntries(j.rules.map((x: { id: string; status: string }) => [x.id, x.status]));
    expect(status).toMatchObject({
      'ams-ldap': 'observed',
      'ams-global-catalog': 'failed',
      'ams-sql': 'not-applicable',
      'web-https': 'observed',
      'agent-ldap': 'observed',
    });
    expect(j.rules).toHaveLength(17);
    const unexpected = j.unexpected.map((g: { client: string; server: string; protocol: string; port: number }) => `${g.client}>${g.server} ${g.protocol}/${g.port}`);
    expect(unexpected).toEqual([
      '10.0.0.10>10.0.0.2 icmp/8',
      '10.0.0.10>10.0.0.2 tcp/88',
      '10.0.0.10>10.0.0.2 tcp/445',
      '10.0.6.20>10.0.0.10 tcp/443', // the help-desk PC: a near miss of web-https / agent-ams-api
      '10.0.3.15>10.0.0.10 tcp/3389',
      '10.0.0.10>10.0.9.5 tcp/22',
    ]);
  });

  it('names come from DNS (CNAME chain), SNI (one ClientHello split in two) and HTTP Host, with their evidence', async () => {
    const j = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    const names = Object.fromEntries(
      j.names.map((e: { address: string; names: { name: string; source: string }[] }) => [e.address, e.names.map((n) => `${n.name}/${n.source}`)]),
    );
    expect(names['198.51.100.10']).toEqual([
      'graph.microsoft.com/sni', // the split ClientHello
      'graph.microsoft.com/dns', // then the CNAME chain, in chain order
      'ms-graph.trafficmanager.example/dns',
      'graph-weu.edge.example/dns',
    ]);
    expect(names['198.51.100.20']).toEqual(['login.microsoftonline.com/dns']); // a ClientHello without SNI
    expect(names['192.0.2.80']).toEqual(['packages.lithnet.io/sni']); // no DNS answer in the capture
    expect(names['10.0.0.10']).toEqual(['ams1/inventory', 'ams.corp.example/http-host']);
    const rule = (id: string) => j.rules.find((x: { id: string }) => x.id === id);
    // The cloud addresses are not in the inventory: only names put them in their roles.
    expect(rule('ams-graph-api').evidence).toEqual([{ server: '198.51.100.10', names: ['graph.microsoft.com'], sources: ['sni', 'dns'], connections: 1 }]);
    expect(rule('ams-graph-login').evidence[0].sources).toEqual(['dns']);
    expect(rule('ams-update-check').evidence[0].sources).toEqual(['sni']);
    expect(rule('web-http').evidence[0].sources).toEqual(['http-host', 'inventory']);
    expect(rule('ams-ldap').evidence.map((e: { sources: string[] }) => e.sources)).toEqual([['inventory'], ['inventory']]);
    expect(j.names.find((e: { address: string }) => e.address === '198.51.100.10').names[1]).toMatchObject({ ttl: 60, firstSeen: expect.stringMatching(/^2026-03-02T09:00:00\./) });
  });

  it('diagnosis, coverage, near misses and via-epm dynamic RPC in the JSON', async () => {
    const j = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    const rule = (id: string) => j.rules.find((x: { id: string }) => x.id === id);
    const gc = rule('ams-global-catalog').diagnosis;
    expect(gc).toMatchObject({ attempts: 2, answered: 0, refused: 1, unanswered: 1, udpNoReply: 0, icmpUnreachable: 0 });
    expect(gc.findings.map((f: { text: string }) => f.text)).toEqual([
      'ams1 → dc1 tcp/3268: 1 attempt, refused (TCP reset) — nothing listens on 10.0.0.2 tcp/3268, or a firewall rejects it',
      'ams1 → dc2 tcp/3268: 1 attempt, none answered — likely dropped by a firewall between 10.0.0.10 and 10.0.0.3',
    ]);
    // The CLDAP probe to dc2 drew an ICMP administratively prohibited from the router: tied to it.
    const cldap = rule('ams-cldap').diagnosis;
    expect(cldap).toMatchObject({ attempts: 2, answered: 1, icmpUnreachable: 1, udpNoReply: 0 });
    expect(cldap.findings[0].icmp).toEqual(['administratively prohibited from 10.0.0.1']);
    expect(rule('ams-rpc-epm').coverage.map((c: { member: string; status: string }) => `${c.member}:${c.status}`)).toEqual(['10.0.0.2:reached', '10.0.0.3:failed']);
    expect(rule('ams-jit-smb').coverage.map((c: { member: string; status: string; servers: string[] }) => `${c.member}:${c.status}:${c.servers}`)).toEqual([
      '10.0.2.0/24:reached:10.0.2.31',
      '*.workstations.example:reached:10.0.2.31',
    ]);
    expect(rule('web-https').coverage.map((c: { member: string; status: string }) => `${c.member}:${c.status}`)).toEqual([
      '10.0.0.10:reached', 'fd00:10::10:reached', 'ams.corp.example:never-tried',
    ]);
    expect(rule('ams-rpc-dynamic').dynamicRpc).toEqual({
      viaEpm: 1,
      withoutEpm: 1,
      connections: [
        { client: '10.0.0.10', server: '10.0.0.2', port: 49670, viaEpm: true, mapper: '10.0.0.2', connections: 1 },
        { client: '10.0.0.10', server: '10.0.0.3', port: 49668, viaEpm: false, mapper: null, connections: 1 },
      ],
    });
    expect(rule('ams-ldap').dynamicRpc).toBeNull();
    expect(j.nearMisses.map((n: { client: string; server: string; rule: string; side: string; missingRole: string }) => `${n.client}>${n.server} ${n.rule} ${n.side} ${n.missingRole}`)).toEqual([
      // Not dc1 → jit-target (AMS → dc1 SMB is SYSVOL): a domain controller is no JIT target (issue 20).
      '10.0.6.20>10.0.0.10 agent-ams-api source non-domain-agent',
      '10.0.6.20>10.0.0.10 web-https source web-user',
    ]);
    const ssh = j.unexpected.find((g: { port: number }) => g.port === 22);
    expect(ssh.diagnosis.findings[0].text).toContain('refused (TCP reset)');
  });

  it('builtin:ad-infrastructure combined with builtin:ams makes Kerberos and SMB to the DCs expected', async () => {
    const r = await runCli(['audit', LAB, '--inventory', INV, '--matrix', 'builtin:ams', '--matrix', 'builtin:ad-infrastructure', '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.rules).toHaveLength(17 + 24); // 9 for the AMS server, 11 between DCs, 4 for an agent (issue 20)
    const status = Object.fromEntries(j.rules.map((x: { id: string; status: string }) => [x.id, x.status]));
    expect(status).toMatchObject({ 'ad-kerberos-tcp': 'observed', 'ad-smb': 'observed', 'ad-ntp': 'missing' });
    expect(j.unexpected.map((g: { protocol: string; port: number }) => `${g.protocol}/${g.port}`)).toEqual(['icmp/8', 'tcp/443', 'tcp/3389', 'tcp/22']);
    // Its rules are optional, so what it lacks never fails the verdict; and each says it is not the vendor's.
    expect(j.verdictReasons.join(' ')).not.toContain('ad-');
    const shown = JSON.parse((await runCli(['matrix', 'show', '--matrix', 'builtin:ad-infrastructure', '--format', 'json'])).stdout);
    for (const rule of shown.rules) expect(rule.note).toMatch(/^Not from the Lithnet vendor table/);
  });

  it('text and CSV reports match their goldens', async () => {
    const t = await runCli(['audit', LAB, '--inventory', INV]);
    golden('ams-lab.audit.txt', t.stdout);
    expect(t.stdout).not.toContain('\u001b['); // no colour when not a TTY
    const c = await runCli(['audit', LAB, '--inventory', INV, '--format', 'csv']);
    golden('ams-lab.audit.csv', c.stdout);
  });

  it('colours the text report only on a TTY, and honours NO_COLOR', async () => {
    expect((await runCli(['audit', LAB, '--inventory', INV], {}, true)).stdout).toContain('\u001b[');
    expect((await runCli(['audit', LAB, '--inventory', INV], { NO_COLOR: '1' }, true)).stdout).not.toContain('\u001b[');
  });

  it('same inputs give byte-identical output', async () => {
    const a = await runCli(['audit', LAB, '--inventory', INV, '--format', 'json']);
    const b = await runCli(['audit', LAB, '--inventory', INV, '--format', 'json']);
    expect(a.stdout).toBe(b.stdout);
    expect(JSON.parse(a.stdout).generatedAt).toBe('2026-03-02T10:00:00.000Z');
  });

  it('--exit-zero exits 0 on a failed audit; --output writes the file', async () => {
    const r = await runCli(['audit', LAB, '--inventory', INV, '--exit-zero', '--output', 'out.json', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(String(r.files.get('out.json'))).verdict).toBe('fail');
  });

  it('flows --format jsonl lists every connection with direction and state', async () => {
    const r = await runCli(['flows', LAB]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(39);
    expect(rows.find((x) => x.serverPort === 3268 && x.server === '10.0.0.2')).toMatchObject({
      client: '10.0.0.10', state: 'REJ', outcome: 'refused', directionBy: 'syn', packets: 2,
    });
    expect(rows.find((x) => x.serverPort === 3268 && x.server === '10.0.0.3')).toMatchObject({ state: 'S0', outcome: 'unanswered', packets: 3 });
    expect(rows.find((x) => x.client === '10.0.2.33')).toMatchObject({ state: 'OTH', directionBy: 'server-port', server: '10.0.0.2' });
    expect(rows.find((x) => x.client === 'fd00:3::15')).toMatchObject({ server: 'fd00:10::10', serverPort: 443, state: 'SF' });
    golden('ams-lab.flows.jsonl', r.stdout);
  });

  it('the same capture twice is an error naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-'));
    const copy = join(dir, 'copy.pcapng');
    copyFileSync(LAB, copy);
    const twice = await runCli(['audit', LAB, copy, '--inventory', INV, '--format', 'json']);
    expect(twice.code).toBe(2);
    expect(twice.stdout).toBe('');
    expect(twice.stderr).toMatch(new RegExp(`^flowaudit: ${LAB} and ${copy} are the same capture \\(sha256 [0-9a-f]{64}\\); give each capture once\\n$`));
  });

  itShared('a corpus capture and the lab audit as one body of evidence', async () => {
    const other = join(CORPUS_DIR, 'captures', 'suricata-verify__ldap-udp-cldap.pcap');
    const r = await runCli(['audit', other, LAB, '--inventory', INV, '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.inputs.map((i: { path: string }) => i.path)).toHaveLength(2);
    const one = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    expect(j.summary.packets).toBe(one.summary.packets + 2);
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-bad-'));

  it('a truncated capture yields a report of what was read plus a warning', async () => {
    const cut = join(dir, 'cut.pcapng');
    copyFileSync(LAB, cut);
    truncateSync(cut, readFileSync(LAB).length - 50);
    const r = await runCli(['audit', cut, '--inventory', INV, '--format', 'json']);
    expect(r.code).toBe(1); // the lab's verdict, not an input error
    const j = JSON.parse(r.stdout);
    expect(j.inputs[0].truncated).toBe(true);
    expect(j.inputs[0].warnings[0].message).toMatch(/offset \d+/);
    expect(j.summary.packets).toBe(227);
  });

  it('an unknown magic is an input error naming the file and offset (exit 2)', async () => {
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, Buffer.from('1234abcd00000000000000000000000000000000000000000000', 'hex'));
    const r = await runCli(['audit', bad, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toMatch(/magic 0x/);
    expect(r.stderr).toMatch(/offset 0/);
  });

  it('a missing file, a bad inventory and a bad option are exit 2 with a clear message', async () => {
    const missing = await runCli(['audit', join(dir, 'nope.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const inv = join(dir, 'inv.json');
    writeFileSync(inv, JSON.stringify({ roles: { 'domain-controller': ['10.0.0.300'] } }));
    const badInv = await runCli(['audit', LAB, '--inventory', inv]);
    expect(badInv.code).toBe(2);
    expect(badInv.stderr).toContain(inv);
    expect(badInv.stderr).toContain('10.0.0.300');
    expect(badInv.stderr).toContain('domain-controller');
    const opt = await runCli(['audit', LAB, '--format', 'xml']);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain('unknown format "xml"');
    const feat = await runCli(['audit', LAB, '--features', 'azure']);
    expect(feat.code).toBe(2);
    expect(feat.stderr).toContain('unknown feature "azure"');
    const none = await runCli(['bogus']);
    expect(none.code).toBe(2);
  });
});

describe('matrix show', () => {
  it('prints the 17 built-in rules, and its JSON loads back as a matrix file', async () => {
    const t = await runCli(['matrix', 'show']);
    expect(t.code).toBe(0);
    for (const id of ['ams-ldap', 'ams-cldap', 'ams-rpc-dynamic', 'web-oidc-login']) expect(t.stdout).toContain(id);
    const j = await runCli(['matrix', 'show', '--format', 'json']);
    const dir = mkdtempSync(join(tmpdir(), 'fa-m-'));
    const p = join(dir, 'm.json');
    writeFileSync(p, j.stdout);
    const again = await runCli(['matrix', 'show', '--matrix', p, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).rules).toEqual(JSON.parse(j.stdout).rules);
  });
});

describe('flows output in batches', () => {
  it('writes more than one batch of 10,000 records to a file, header once (CSV), every connection once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-flows-'));
    const big = join(dir, 'many.pcapng');
    // 12,345 one-packet UDP flows: more than one batch.
    const { PcapngWriter } = await import('../../src/capture/pcapng_writer.js');
    const { frame } = await import('../support/packets.js');
    const w = PcapngWriter.inMemory();
    w.addInterface({ linkType: 1 });
    for (let i = 0; i < 12_345; i++) {
      w.writePacket(0, 1_700_000_000, i * 1000, frame({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport: 1024 + (i % 60000), dport: 5000 + Math.floor(i / 60000) }));
    }
    writeFileSync(big, w.close());
    const csv = await runCli(['flows', big, '--format', 'csv', '--output', 'out.csv']);
    expect(csv.code).toBe(0);
    const lines = String(csv.files.get('out.csv')).trim().split('\n');
    expect(lines[0]).toMatch(/^protocol,client,/);
    expect(lines.filter((l) => l.startsWith('protocol,'))).toHaveLength(1);
    expect(lines).toHaveLength(12_345 + 1);
    const jsonl = await runCli(['flows', big]);
    expect(jsonl.stdout.trim().split('\n')).toHaveLength(12_345);
  });
});
