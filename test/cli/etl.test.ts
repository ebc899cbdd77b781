/**
 * ETL end to end: `audit` of a pktmon trace counts each packet once by its packet group and
 * number and says which components' copies were folded; a required flow whose packets pktmon saw
 * dropped says by which component and why; `convert` writes a pcapng that flowaudit and tshark
 * read back (one interface per component, comments with component, direction and drop reason).
 * Built traces follow the documented layouts (test/capture/etl_builder.ts); the real trace is
 * the Windows Server 2022 one in ../shared/corpus/windows/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { buildEtl, pktmonComponentEvent, pktmonPacketEvent } from '../capture/etl_builder.js';
import { frame } from '../support/packets.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const INV = resolve('fixtures/ams-lab.inventory.json');
const dir = mkdtempSync(join(tmpdir(), 'fa-etl-'));

/** AMS's LDAP SYN to the DC, logged by TCP/IP, then dropped by the WFP filter before the NIC (twice: a retry). */
function droppedLdap(): string {
  const syn = (sport: number): Uint8Array => frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'tcp', sport, dport: 389, flags: 'S' });
  const file = buildEtl([
    {
      compressed: true,
      events: [
        pktmonPacketEvent({ group: 100, component: 66, direction: 4, payload: syn(50000), us: 10 }),
        pktmonPacketEvent({ group: 100, component: 70, appearance: 2, direction: 4, payload: syn(50000), drop: { reason: 8, location: 0xe0004 }, us: 12 }),
        pktmonPacketEvent({ group: 101, component: 66, direction: 4, payload: syn(50001), us: 3_000_010 }),
        pktmonPacketEvent({ group: 101, component: 70, appearance: 2, direction: 4, payload: syn(50001), drop: { reason: 8, location: 0xe0004 }, us: 3_000_012 }),
      ],
    },
    { events: [pktmonComponentEvent(66, 4, 'tcpip.sys', 'TCP/IPv4 - L3/L4'), pktmonComponentEvent(70, 3, 'wfplwfs.sys', 'WFP Native MAC Layer LightWeight Filter')] },
  ]);
  const p = join(dir, 'dropped-ldap.etl');
  writeFileSync(p, file);
  return p;
}

describe('audit of a pktmon ETL', () => {
  it('a required flow dropped on the host says by which component and why', async () => {
    const run = await runCli(['audit', droppedLdap(), '--inventory', INV, '-f', 'json']);
    const rep = JSON.parse(run.stdout);
    const input = rep.inputs[0];
    expect(input).toMatchObject({ format: 'etl', packets: 2, copiesCollapsed: 2 });
    expect(input.etl.dropped).toEqual([{ component: 70, name: 'wfplwfs.sys (WFP Native MAC Layer LightWeight Filter)', reason: 8, reasonName: 'filtered', packets: 2 }]);
    expect(input.warnings.map((w: { message: string }) => w.message)).toContain('pktmon saw 2 packets dropped by wfplwfs.sys (WFP Native MAC Layer LightWeight Filter): filtered (reason 8)');
    const ldap = rep.rules.find((r: { id: string }) => r.id === 'ams-ldap');
    expect(ldap.status).not.toBe('observed');
    const f = ldap.diagnosis.findings[0];
    expect(f.drops).toEqual(['2 packets dropped by wfplwfs.sys (WFP Native MAC Layer LightWeight Filter): filtered (reason 8)']);
    expect(f.text).toBe('ams1 → dc1 tcp/389: 2 attempts, none answered — dropped on the capturing host: Windows Packet Monitor saw 2 packets dropped by wfplwfs.sys (WFP Native MAC Layer LightWeight Filter): filtered (reason 8)');
    // A state written with --emit-state and merged says the same.
    const state = join(dir, 'dropped.state.json');
    const emitted = (await runCli(['audit', droppedLdap(), '--inventory', INV, '--emit-state', state, '-f', 'json'])).files.get(state);
    if (emitted !== undefined) writeFileSync(state, emitted);
    expect(existsSync(state)).toBe(true);
    const merged = JSON.parse((await runCli(['merge', state, '--inventory', INV, '-f', 'json'])).stdout);
    expect(merged.rules.find((r: { id: string }) => r.id === 'ams-ldap').diagnosis.findings[0].text).toBe(f.text);
    // The text report shows it where it explains the rule.
    const text = (await runCli(['audit', droppedLdap(), '--inventory', INV])).stdout;
    expect(text).toContain('Windows Packet Monitor saw 2 packets dropped by wfplwfs.sys');
  });
});

describe('folding by packet group and number', () => {
  it('later appearances fold; a second appearance-1 event under the same group and number is a packet of its own', async () => {
    const udp = (sport: number): Uint8Array => frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'udp', sport, dport: 53 });
    const p = join(dir, 'groups.etl');
    writeFileSync(
      p,
      buildEtl([
        {
          events: [
            pktmonPacketEvent({ group: 5, component: 1, payload: udp(1000), us: 1 }),
            pktmonPacketEvent({ group: 5, component: 2, appearance: 2, payload: udp(1000), us: 2 }),
            pktmonPacketEvent({ group: 5, component: 3, appearance: 3, payload: udp(1000), us: 3 }),
            // same group and number, appearance 1 again (another processor's counter): not a copy
            pktmonPacketEvent({ group: 5, component: 1, payload: udp(2000), us: 50 }),
            // group 5 number 2: another packet of the same group
            pktmonPacketEvent({ group: 5, number: 2, component: 1, payload: udp(3000), us: 60 }),
            pktmonPacketEvent({ group: 5, number: 2, component: 2, appearance: 2, payload: udp(3000), us: 61 }),
          ],
        },
      ]),
    );
    const rep = JSON.parse((await runCli(['audit', p, '--inventory', INV, '-f', 'json'])).stdout);
    expect(rep.inputs[0]).toMatchObject({ packets: 3, copiesCollapsed: 3 });
    expect(rep.inputs[0].etl.folded.map((f: { component: number; copies: number }) => [f.component, f.copies])).toEqual([
      [2, 2],
      [3, 1],
    ]);
  });
});

describe('component names are attacker-controlled', () => {
  it('a component named like markup or a formula is escaped in HTML and Markdown', async () => {
    const syn = frame({ src: '10.0.0.10', dst: '10.0.0.2', proto: 'tcp', sport: 50000, dport: 389, flags: 'S' });
    const p = join(dir, 'hostile.etl');
    writeFileSync(
      p,
      buildEtl([
        {
          events: [
            pktmonPacketEvent({ group: 1, component: 7, payload: syn, us: 1 }),
            pktmonPacketEvent({ group: 1, component: 9, appearance: 2, payload: syn, drop: { reason: 8, location: 1 }, us: 2 }),
          ],
        },
        { events: [pktmonComponentEvent(9, 3, '<script>alert(1)</script>', '=HYPERLINK("http://x","y")')] },
      ]),
    );
    for (const format of ['html', 'markdown']) {
      const run = await runCli(['audit', p, '--inventory', INV, '-f', format]);
      expect(run.stdout).toContain('dropped by &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(run.stdout).not.toContain('<script>alert(1)');
    }
  });
});

describe('convert', () => {
  it('a built trace: one interface per component, drops and directions as comments, read back by flowaudit', async () => {
    const out = join(dir, 'dropped.pcapng');
    const run = await runCli(['convert', droppedLdap(), '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/: 4 packets from .* \(2 pktmon packet events and 2 drop events; 3 buffers, 1 compressed; Windows build 20348\) on 2 interfaces/);
    const src = openCaptureBytes(new Uint8Array(readFileSync(out)), 'out');
    const pkt = newRawPacket();
    let n = 0;
    while (src.next(pkt)) n++;
    expect(n).toBe(4);
    expect(src.info.interfaces.map((i) => [i.name, i.linkType])).toEqual([
      ['tcpip.sys', 1],
      ['wfplwfs.sys', 1],
    ]);
    const bytes = readFileSync(out).toString('latin1');
    expect(bytes).toContain('pktmon: component 70 wfplwfs.sys (WFP Native MAC Layer LightWeight Filter), tx, Ethernet, edge 1, filter 0, packet group 100 number 1 appearance 2; DROPPED: filtered (reason 8, location 0xe0004)');
  });

  it('a corrupt compressed buffer: the packets before it are written, then one line and exit 2', async () => {
    const good = readFileSync(droppedLdap());
    const bad = new Uint8Array(good);
    const hdrLen = new DataView(bad.buffer).getUint32(0, true);
    // The compressed buffer's first flag word claims matches that reach before the output start.
    new DataView(bad.buffer).setUint32(hdrLen + 72, 0xffffffff, true);
    const p = join(dir, 'corrupt.etl');
    writeFileSync(p, bad);
    const out = join(dir, 'corrupt.pcapng');
    const run = await runCli(['convert', p, '-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`corrupt\\.etl: ETL buffer at offset ${hdrLen}: compressed data is corrupt`));
    expect(existsSync(out)).toBe(true);
  });

  it.each([
    ['a missing trace', ['convert', join(dir, 'nope.etl'), '-o', join(dir, 'x.pcapng')], /nope\.etl: cannot open trace: no such file/],
    ['a pcapng given as the trace', ['convert', resolve('fixtures/ams-lab.pcapng'), '-o', join(dir, 'y.pcapng')], /ams-lab\.pcapng.*Cannot read ETL header/],
    ['standard input', ['convert', '-', '-o', join(dir, 'z.pcapng')], /give a file, not standard input/],
  ])('%s: one line, exit 2', async (_n, argv, msg) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(msg);
  });
});

const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => existsSync(p)) ?? null;

describeShared(
  'the real pktmon trace',
  () => {
    const ETL = join(CORPUS_DIR, 'windows', 'demikernel__PktMon.etl');

    it('audits to 38 packets: 76 per-component copies folded, named by component', async () => {
      const rep = JSON.parse((await runCli(['audit', ETL, '--inventory', INV, '-f', 'json'])).stdout);
      const i = rep.inputs[0];
      expect(i).toMatchObject({ format: 'etl', packets: 38, copiesCollapsed: 76, sha256: 'fb06826926ef22f2ccf71bb5fed97784eb3cf453dad50e32a9caeff752868e31', storedBytes: 25571 });
      expect(i.etl.folded.map((f: { name: string; copies: number }) => `${f.name} ${f.copies}`)).toEqual([
        'mlx5.sys (Mellanox ConnectX-4 Lx Virtual Ethernet Adapter #2) 19',
        'NULL (NETVSCVFPP) 19',
        'netvsc.sys (Microsoft Hyper-V Network Adapter #3) 19',
        'xdp.sys (XDP Lightweight Filter) 19',
      ]);
      expect(rep.summary.packets).toBe(38);
    });

    it.skipIf(TSHARK === null)('converts to a pcapng tshark reads without malformed frames, equal to the pcapng Windows made', async () => {
      const out = join(dir, 'real.pcapng');
      expect((await runCli(['convert', ETL, '-o', out])).code).toBe(0);
      const fields = (f: string): string[] =>
        spawnSync(TSHARK!, ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'icmp.seq', '-e', '_ws.malformed'], { encoding: 'utf8' })
          .stdout.trim()
          .split('\n')
          .map((l) => l.replace(/^(\d+\.\d{6})\d*/, '$1'));
      const ours = fields(out);
      expect(ours).toHaveLength(114);
      expect(ours.filter((l) => (l.split('\t')[5] ?? '') !== '')).toEqual([]);
      expect(ours).toEqual(fields(join(CORPUS_DIR, 'windows', 'demikernel__PktMon.pcapng')));
    });
  },
  'corpus/windows/demikernel__PktMon.etl',
);
