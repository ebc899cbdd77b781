/**
 * NetFlow through nfdump: nfpcapd turns captures into nfcapd files (the tool chain the bench uses),
 * flowaudit reads them through the nfdump binary. The line parser is table-driven; the real files
 * are checked against nfdump's own one-way records (packets and bytes summed independently) and
 * against the audit of the capture they came from. Skipped with the reason when nfdump/nfpcapd are
 * absent; FLOWAUDIT_REQUIRE_ENGINES=1 (.ci/run) turns the skip into a failure.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyRecord } from '../../src/records/flow_record.js';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { RecordCollector } from '../../src/records/collector.js';
import { looksRefused, nfdumpRecord, readNfdumpFile } from '../../src/records/nfdump.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, itShared } from '../support/shared.js';
import { haveCommand, REQUIRE_ENGINES } from './engines_support.js';

describe('nfdump output lines', () => {
  it.each([
    ['tcp', '1772442006.091|1772442006.092|6    |  10.0.0.10| 49810|  192.0.2.80|   443|  5|  654|  3| 4320|...AP.SF', { ipProto: 6, orig: '10.0.0.10', origPort: 49810, resp: '192.0.2.80', respPort: 443, origPkts: 5, origBytes: 654, respPkts: 3, respBytes: 4320, byteBasis: 'ip', state: null, origEvents: null }],
    ['udp by name', '1772442000.010|1772442000.011|UDP|10.0.0.10|53004|10.0.0.2|53|1|61|1|77|........', { ipProto: 17, origPort: 53004, respPort: 53, respPkts: 1 }],
    ['icmp type.code', '1772442000.026|1772442000.026|1|10.0.0.1|0|10.0.0.10|3.13|1|56|0|0|........', { ipProto: 1, icmpType: 3, icmpCode: 13, origPort: 0, respPort: 0 }],
    ['ipv6', '1772442000.0|1772442001.5|6|fd00::1|50000|fd00::2|389|2|120|2|120|.A..S.', { orig: 'fd00::1', firstSeen: 1772442000e6, lastSeen: 1772442001.5e6 }],
  ])('%s', (_name, line, want) => {
    const r = nfdumpRecord(line, emptyRecord());
    expect(typeof r).toBe('object');
    expect(r).toMatchObject(want);
  });
  // Fail safe: NetFlow ORs both directions' flags, so a RST reply must not count as an answer.
  it.each([
    ['refused: one RST reply', '...A.R..', 1, true],
    ['refused: RST with the SYN seen', '...A.RS.', 1, true],
    ['answered and closed by FIN', '...AP.SF', 3, false],
    ['answered and reset after data', '...AP.R.', 4, false],
    ['no reply at all (unanswered, not refused)', '......S.', 0, false],
    ['one reply without RST (a SYN-ACK)', '...A..S.', 1, false],
  ])('looksRefused: %s', (_name, flags, respPkts, want) => {
    expect(looksRefused(flags, respPkts)).toBe(want);
  });
  it('a refused TCP line becomes REJ; an answered one keeps no state', () => {
    const refused = nfdumpRecord('1772442000.044|1772442000.044|6|10.0.0.10|49803|10.0.0.2|3268|1|40|1|40|...A.R..', emptyRecord());
    expect(refused).toMatchObject({ state: 'REJ', respPkts: 1 });
    const answered = nfdumpRecord('1772442006.091|1772442006.092|6|10.0.0.10|49810|192.0.2.80|443|5|654|3|4320|...AP.SF', emptyRecord());
    expect(answered).toMatchObject({ state: null });
  });
  it.each([
    ['too few fields', '1|2|6|a|1'],
    ['unknown protocol', '1|2|XYZ|10.0.0.1|1|10.0.0.2|2|1|1|1|1|.'],
    ['bad count', '1|2|6|10.0.0.1|1|10.0.0.2|2|x|1|1|1|.'],
    ['bad port', '1|2|6|10.0.0.1|70000|10.0.0.2|2|1|1|1|1|.'],
  ])('%s is refused with a reason', (_name, line) => {
    expect(typeof nfdumpRecord(line, emptyRecord())).toBe('string');
  });
});

const HAVE = haveCommand('nfdump') && haveCommand('nfpcapd');
const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

/** The nfcapd files nfpcapd writes for a capture (one per 5-minute slot it spans). */
function nfcapdOf(capture: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'flowaudit-nf-'));
  execFileSync('nfpcapd', ['-r', capture, '-w', dir], { stdio: 'ignore', timeout: 60_000 });
  const files = readdirSync(dir).filter((f) => f.startsWith('nfcapd.') && !f.includes('current'));
  expect(files.length).toBeGreaterThan(0);
  return files.sort().map((f) => join(dir, f));
}

/** Packets and bytes of nfdump's one-way records (csv, no -B): an independent sum. */
function oneWayTotals(files: string[]): { packets: number; bytes: number; records: number } {
  const csv = files.map((file) => execFileSync('nfdump', ['-r', file, '-q', '-N', '-o', 'csv'], { encoding: 'utf8', timeout: 60_000 })).join('\n');
  let packets = 0;
  let bytes = 0;
  let records = 0;
  for (const l of csv.split('\n')) {
    const f = l.split(',');
    if (f.length < 13 || !/^\d{4}-/.test(f[0]!)) continue;
    records++;
    packets += Number(f[11]) + Number(f[13]);
    bytes += Number(f[12]) + Number(f[14]);
  }
  return { packets, bytes, records };
}

describe.skipIf(!HAVE && !REQUIRE_ENGINES)(`nfdump files through the CLI${HAVE ? '' : ' (skipped: nfdump/nfpcapd not installed; apt-get install nfdump)'}`, () => {
  it('is installed (FLOWAUDIT_REQUIRE_ENGINES=1)', () => expect(HAVE).toBe(true));

  it('audits an nfcapd file made from the lab capture: every packet and byte nfdump holds, IP basis, TCP state unavailable', async () => {
    const files = nfcapdOf(LAB);
    expect(files).toHaveLength(1);
    const want = oneWayTotals(files);
    expect(want.records).toBeGreaterThan(10);
    const r = await runCli(['audit', files[0]!, '--inventory', INV, '--format', 'json', '--exit-zero']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout);
    const input = rep.inputs[0];
    expect(input.format).toBe('nfdump');
    expect(input.error).toBeNull();
    expect(input.byteBasis).toBe('ip');
    expect(input.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(input.records.unavailable).toContain('tcp-state');
    expect(input.packets).toBe(want.packets);
    expect(input.bytes).toBe(want.bytes);
    // The rules the capture shows answered over plain TCP/UDP are answered from NetFlow too.
    const cap = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '--format', 'json', '--exit-zero'])).stdout);
    const status = (rep2: { rules: { id: string; status: string }[] }, id: string) => rep2.rules.find((x) => x.id === id)?.status;
    for (const id of ['ams-ldap', 'ams-dns', 'web-https', 'web-http', 'agent-ams-api']) {
      expect(status(cap, id)).toBe('observed');
      expect(status(rep, id)).toBe('observed');
    }
    // The Global Catalog the capture shows refused (RST) is failed from NetFlow too, never answered.
    expect(status(cap, 'ams-global-catalog')).toBe('failed');
    expect(status(rep, 'ams-global-catalog')).toBe('failed');
  });

  itShared('reads a corpus capture turned into NetFlow: the packets and bytes nfdump holds', async () => {
    const files = nfcapdOf(join(CORPUS_DIR, 'captures', 'zeek__ldap-simpleauth.pcap'));
    const want = oneWayTotals(files);
    expect(want.packets).toBeGreaterThan(0);
    const r = await runCli(['audit', ...files, '--inventory', INV, '--format', 'json', '--exit-zero']);
    expect(r.code).toBe(0);
    const inputs = JSON.parse(r.stdout).inputs as { format: string; packets: number; bytes: number; error: unknown }[];
    expect(inputs.map((i) => [i.format, i.error])).toEqual(files.map(() => ['nfdump', null]));
    expect(inputs.reduce((n, i) => n + i.packets, 0)).toBe(want.packets);
    expect(inputs.reduce((n, i) => n + i.bytes, 0)).toBe(want.bytes);
  });

  it('a damaged nfcapd file: one line naming the file, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowaudit-nf-bad-'));
    const bad = join(dir, 'nfcapd.202601010000');
    writeFileSync(bad, Buffer.concat([Buffer.from([0x0c, 0xa5, 0x02, 0x00]), Buffer.alloc(20, 0x41)]));
    const r = await runCli(['audit', bad, '--inventory', INV]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(bad);
    expect(r.stderr).toContain('nfdump');
  });
});

// The one open file: nfdump is given flowaudit's descriptor (it cannot read a pipe: it seeks to the
// appendix), the hash comes from the same descriptor, and a file that changes meanwhile is an error.
// A stand-in `nfdump` (a shell script) shows what it was given; no real nfdump needed.
describe('nfdump reads the file flowaudit opened', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'flowaudit-nfd-'));
  const file = join(tmp, 'nfcapd.202603020900');
  const LINE = '1772442006.091|1772442006.092|6|10.0.0.10|49810|192.0.2.80|443|5|654|3|4320|...AP.SF';
  const fake = (name: string, body: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  };
  it.each([
    // It is given /dev/fd/3, and fd 3 is the file's bytes.
    ['reads fd 3', `[ "$2" = /dev/fd/3 ] && cmp -s "$2" '${file}' && echo '${LINE}'`, null, 1],
    ['the file grows while nfdump reads it', `echo more >> '${file}'; echo '${LINE}'`, /nfcapd\.202603020900: the file changed while it was read/, 1],
  ])('%s', async (_name, script, error, connections) => {
    writeFileSync(file, Buffer.from([0x0c, 0xa5, 0x02, 0x00, 1, 2, 3, 4]));
    const bytes = readFileSync(file);
    const c = new RecordCollector(defaultServerPorts());
    const s = await readNfdumpFile(file, c, fake('nfdump-fake', script));
    expect(s.records!.connections).toBe(connections);
    if (error) expect(s.error?.message).toMatch(error);
    else {
      expect(s.error).toBeNull();
      expect(s.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});
