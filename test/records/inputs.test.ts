/**
 * Flow logs through the real CLI: detected by content whatever the file is called, gzip, mixed with
 * captures, malformed lines counted (never fatal), Zeek ssl.log / dns.log beside a conn.log giving
 * names, and flowaudit's own flows JSONL audited centrally like the capture it came from.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';
const T = '\t';
const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-records-'));

const HEADER = [
  '#separator \\x09',
  `#set_separator${T},`,
  `#empty_field${T}(empty)`,
  `#unset_field${T}-`,
  `#path${T}conn`,
  `#fields${T}ts${T}uid${T}id.orig_h${T}id.orig_p${T}id.resp_h${T}id.resp_p${T}proto${T}service${T}duration${T}orig_bytes${T}resp_bytes${T}conn_state${T}history${T}orig_pkts${T}orig_ip_bytes${T}resp_pkts${T}resp_ip_bytes`,
  `#types${T}time${T}string${T}addr${T}port${T}addr${T}port${T}enum${T}string${T}interval${T}count${T}count${T}string${T}string${T}count${T}count${T}count${T}count`,
];
const row = (...v: (string | number)[]): string => v.join(T);
/** 10.0.0.10 (ams1) → 203.0.113.50:443, an OIDC provider only by name. */
const OIDC_ROW = row('1772445600.100000', 'CsslA1', '10.0.0.10', 50001, '203.0.113.50', 443, 'tcp', 'ssl', '0.2', 500, 4000, 'SF', 'ShADadFf', 8, 820, 6, 4320);
const LDAP_ROW = row('1772445600.000000', 'CldapB2', '10.0.0.10', 50000, '10.0.0.2', 389, 'tcp', '-', '0.1', 100, 900, 'SF', 'ShADadFf', 5, 360, 4, 1060);

function dir(name: string): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  return d;
}

interface Report {
  rules: { id: string; status: string; connections: number }[];
  inputs: Record<string, unknown>[];
  summary: Record<string, unknown>;
  unexpected: unknown[];
  nextSteps: string[];
}

function json(stdout: string): Report {
  return JSON.parse(stdout);
}

const status = (j: ReturnType<typeof json>, id: string): string => j.rules.find((r) => r.id === id)!.status;

describe('Zeek conn.log with ssl.log and dns.log beside it', () => {
  const inv = join(tmp, 'oidc.inventory.json');
  writeFileSync(inv, JSON.stringify({ roles: { 'ams-server': ['10.0.0.10'], 'domain-controller': ['10.0.0.2'], 'oidc-provider': ['idp.example.org'] }, features: ['oidc'] }));

  it.each([
    ['conn.log alone: the name is unavailable, the OIDC rule missing', [], 'missing', ['tls-sni', 'http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes']],
    [
      'with ssl.log: the SNI names the server',
      [['ssl.log', [HEADER[0], `#path${T}ssl`, `#fields${T}ts${T}uid${T}id.orig_h${T}id.orig_p${T}id.resp_h${T}id.resp_p${T}version${T}server_name`, row('1772445600.100100', 'CsslA1', '10.0.0.10', 50001, '203.0.113.50', 443, 'TLSv12', 'idp.example.org')]]],
      'observed',
      ['http-host', 'dns-answers', 'epm-handouts', 'icmp-quotes'],
    ],
    [
      'with dns.log (JSON): the answer names the address',
      [['dns.log', [JSON.stringify({ ts: 1772445600.05, uid: 'Cdns', 'id.orig_h': '10.0.0.10', 'id.orig_p': 53001, 'id.resp_h': '10.0.0.2', 'id.resp_p': 53, query: 'idp.example.org', qtype_name: 'A', answers: ['203.0.113.50'], TTLs: [300.0] })]]],
      'observed',
      ['tls-sni', 'http-host', 'epm-handouts', 'icmp-quotes'],
    ],
  ] as [string, [string, string[]][], string, string[]][])('%s', async (name, companions, want, unavailable) => {
    const d = dir(name.replace(/\W+/g, '-'));
    writeFileSync(join(d, 'conn.log'), [...HEADER, LDAP_ROW, OIDC_ROW, ''].join('\n'));
    for (const [f, lines] of companions) writeFileSync(join(d, f), `${lines.join('\n')}\n`);
    const r = await runCli(['audit', join(d, 'conn.log'), '--inventory', inv, '--format', 'json']);
    expect(r.stderr).toBe('');
    const j = json(r.stdout);
    expect(status(j, 'ams-oidc-validation')).toBe(want);
    expect(status(j, 'ams-ldap')).toBe('observed');
    // Without names from any input, a name that never resolved was not looked for: said so.
    const reason = (j.rules.find((r) => r.id === 'ams-oidc-validation') as unknown as { reason: string | null }).reason ?? '';
    if (want === 'missing') expect(reason).toMatch(/never resolved.*unavailable, not absent/);
    else expect(reason).not.toMatch(/unavailable/);
    // The companions are inputs (hashed, listed) and the conn.log says what stays unavailable.
    expect(j.inputs.map((i) => i.format)).toEqual(['zeek-conn-tsv', ...companions.map(([f]) => (f.startsWith('ssl') ? 'zeek-ssl' : 'zeek-dns'))]);
    expect(j.inputs.every((i) => typeof i.sha256 === 'string')).toBe(true);
    expect((j.inputs[0]!.records as { unavailable: string[] }).unavailable).toEqual(unavailable);
    expect(j.inputs[0]!.byteBasis).toBe('ip');
    expect(j.nextSteps.join('\n')).toMatch(/Flow logs carry no/);
  });
});

describe('flow logs by content, gzip, mixed with captures, bad lines', () => {
  it('a gzip conn.log named like a capture is read as a conn.log', async () => {
    const p = join(dir('gz'), 'traffic.pcap.gz');
    writeFileSync(p, gzipSync([...HEADER, LDAP_ROW, ''].join('\n')));
    const r = await runCli(['flows', p]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([{ client: '10.0.0.10', server: '10.0.0.2', serverPort: 389, packetsToServer: 5, bytesToServer: 360, state: 'SF', byteBasis: 'ip' }]);
  });

  it('malformed lines are counted with file and line, the rest is audited, the exit code is the verdict', async () => {
    const p = join(dir('bad'), 'conn.log');
    writeFileSync(p, [...HEADER, LDAP_ROW, 'garbage line', row('x', 'C', '10.0.0.10', 1, 'not-an-ip', 2, 'tcp', '-', '-', '-', '-', 'SF', '-', 1, 1, 1, 1), OIDC_ROW, ''].join('\n'));
    const r = await runCli(['audit', p, '--inventory', INV, '--format', 'json', '--exit-zero']);
    expect(r.code).toBe(0);
    const j = json(r.stdout);
    const rec = j.inputs[0]!.records as { connections: number; malformed: number; problems: { line: number; message: string }[] };
    expect(rec.connections).toBe(2);
    expect(rec.malformed).toBe(2);
    expect(rec.problems).toEqual([
      { line: 9, message: '1 columns, but #fields names 17' },
      { line: 10, message: 'bad address "not-an-ip"' },
    ]);
    const warnings = (j.inputs[0]!.warnings as { message: string }[]).map((w) => w.message).join('\n');
    expect(warnings).toContain(`${p}:9: 1 columns, but #fields names 17`);
    const text = await runCli(['audit', p, '--inventory', INV, '--exit-zero']);
    expect(text.stdout).toContain(`${p}:10: bad address "not-an-ip"`);
  });

  it('a capture and a Suricata eve.json together: one body of evidence, bytes said to mix bases only when they do', async () => {
    const eve = join(dir('mixed'), 'eve.json');
    writeFileSync(
      eve,
      `${JSON.stringify({ timestamp: '2026-03-02T09:00:10.000000+0000', event_type: 'flow', src_ip: '10.0.2.31', src_port: 52999, dest_ip: '10.0.0.2', dest_port: 389, proto: 'TCP', flow: { pkts_toserver: 5, pkts_toclient: 3, bytes_toserver: 710, bytes_toclient: 1086, start: '2026-03-02T09:00:10.000000+0000', end: '2026-03-02T09:00:10.001000+0000', state: 'closed' }, tcp: { tcp_flags_ts: '1b', tcp_flags_tc: '1b' } })}\n${JSON.stringify({ event_type: 'alert' })}\n`,
    );
    const alone = json((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    const both = json((await runCli(['audit', LAB, eve, '--inventory', INV, '--format', 'json'])).stdout);
    expect(both.inputs.map((i) => [i.format, i.byteBasis])).toEqual([['pcapng', 'frame'], ['suricata-eve', 'frame']]);
    expect(both.summary.connections).toBe((alone.summary.connections as number) + 1);
    expect(both.summary.byteBasis).toBe('frame');
    const agent = (j: ReturnType<typeof json>): number => j.rules.find((r) => r.id === 'agent-ldap')!.connections;
    expect(agent(both)).toBe(agent(alone) + 1);
    expect((both.inputs[1]!.records as { ignored: Record<string, number> }).ignored).toEqual({ 'event_type alert': 1 });
    const conn = join(dir('mixed'), 'conn.log');
    writeFileSync(conn, [...HEADER, LDAP_ROW, ''].join('\n'));
    const mixed = json((await runCli(['audit', LAB, conn, '--inventory', INV, '--format', 'json'])).stdout);
    expect(mixed.summary.byteBasis).toBe('mixed');
    expect(mixed.nextSteps.join('\n')).toMatch(/Byte counts mix bases/);
  });

  it('a JSON file that is no known log is an input error naming the file (exit 2)', async () => {
    const p = join(dir('unknown'), 'x.json');
    writeFileSync(p, '{"hello":"world"}\n');
    const r = await runCli(['audit', p, '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${p}: not a capture or a flow log: line 1 is a JSON object, but neither`);
  });
});

describe("flowaudit's own flows JSONL", () => {
  it('audited centrally, it gives the capture audit, except rules whose server was named only by a DNS answer (unavailable)', async () => {
    const d = dir('flows');
    const flows = await runCli(['flows', LAB]);
    expect(flows.code).toBe(0);
    const p = join(d, 'sensor1.jsonl');
    writeFileSync(p, flows.stdout);
    copyFileSync(INV, join(d, 'inv.json'));
    const cap = json((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json'])).stdout);
    const log = json((await runCli(['audit', p, '--inventory', INV, '--format', 'json'])).stdout);
    expect(log.inputs[0]!.format).toBe('flowaudit-flows');
    expect(log.summary.connections).toBe(cap.summary.connections);
    const differ = cap.rules.filter((r, i) => r.status !== log.rules[i]!.status || r.connections !== log.rules[i]!.connections).map((r) => r.id);
    // login.microsoftonline.com reaches the audit only through a DNS answer in the capture (no SNI on that connection).
    expect(differ).toEqual(['ams-graph-login']);
    expect((log.inputs[0]!.records as { unavailable: string[] }).unavailable).toEqual(['dns-answers', 'epm-handouts', 'icmp-quotes']);
    // Reading the flows back and writing them again gives the same lines (a fixed point).
    const again = await runCli(['flows', p]);
    expect(again.stdout).toBe(flows.stdout);
  });
});

describe('flow logs on standard input', () => {
  async function runWithStdin(argv: string[], bytes: Uint8Array, chunk = 7): Promise<{ code: number; stdout: string; stderr: string }> {
    const { main } = await import('../../src/cli/main.js');
    let stdout = '';
    let stderr = '';
    const code = await main(argv, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      writeFile: () => undefined,
      appendFile: () => undefined,
      env: { SOURCE_DATE_EPOCH: '1772445600' },
      stdoutIsTTY: false,
      stderrIsTTY: false,
      stdin: async function* () {
        for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
      },
    });
    return { code, stdout, stderr };
  }

  it.each([
    ['plain conn.log, 7-byte chunks', false],
    ['gzip conn.log', true],
  ])('%s: read from -, hashed as stored', async (_n, gz) => {
    const text = Buffer.from([...HEADER, LDAP_ROW, OIDC_ROW, ''].join('\n'));
    const stored = gz ? gzipSync(text) : text;
    const r = await runWithStdin(['audit', '-', '--inventory', INV, '--format', 'json', '--exit-zero'], stored);
    expect(r.stderr).toBe('');
    const j = json(r.stdout);
    expect(j.inputs).toMatchObject([{ path: '-', format: 'zeek-conn-tsv', byteBasis: 'ip', records: { connections: 2, malformed: 0 } }]);
    expect(j.inputs[0]!.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(status(j, 'ams-ldap')).toBe('observed');
  });
});
