/**
 * Windows Packet Monitor captures: a pcapng built to pktmon's layout (SHB user application
 * "Packet Monitor", EPBs without options, each packet recorded 6 times within 80 µs, two of the
 * copies under another link header) audits exactly like the lab once the copies are collapsed,
 * and says how many were collapsed; truncation to 128 bytes draws the warning naming
 * `--pkt-size 0`. Real Windows captures of the corpus (dumpcap on Windows, no copies) are left alone.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { PcapngWriter } from '../../src/capture/pcapng_writer.js';
import { newRawPacket } from '../../src/capture/source.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { ingestFiles } from '../../src/capture/ingest.js';
import { CAPTURES_DIR, readManifest } from '../capture/corpus_files.js';
import { describeShared } from '../support/shared.js';

const BIN = resolve('bin/flowaudit.js');
const LAB = resolve('fixtures/ams-lab.pcapng');
const INV = resolve('fixtures/ams-lab.inventory.json');
const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000', NO_COLOR: '1' };
const dir = mkdtempSync(join(tmpdir(), 'fa-pktmon-'));

/** The lab as pktmon writes it: 6 copies per packet, 10 µs apart, copies 3 and 5 VLAN-tagged. */
function pktmonStyle(opts: { userAppl: string; truncateEvery?: number }): Uint8Array {
  const w = PcapngWriter.inMemory({ userAppl: opts.userAppl, os: 'Windows 10 Enterprise 19045' });
  w.addInterface({ linkType: 1, snapLen: 0, tsResolution: 'ns' });
  const src = openCaptureBytes(new Uint8Array(readFileSync(LAB)), 'lab');
  const pkt = newRawPacket();
  let k = 0;
  while (src.next(pkt)) {
    const frame = pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen);
    const tagged = new Uint8Array(frame.length + 4);
    tagged.set(frame.subarray(0, 12), 0);
    tagged.set([0x81, 0x00, 0x00, 0x05], 12);
    tagged.set(frame.subarray(12), 16);
    const cut = opts.truncateEvery !== undefined && k % opts.truncateEvery !== 0;
    for (let c = 0; c < 6; c++) {
      const f = c === 3 || c === 5 ? tagged : frame;
      let ns = pkt.tsNsec + c * 10_000;
      let sec = pkt.tsSec;
      if (ns >= 1e9) {
        ns -= 1e9;
        sec++;
      }
      const caplen = cut ? Math.min(128, f.length) : f.length;
      w.writePacket(0, sec, ns, f, 0, caplen, pkt.wirelen + (f === tagged ? 4 : 0));
    }
    k++;
  }
  return w.close();
}

function audit(path: string): { code: number | null; rep: any; stderr: string } {
  const r = spawnSync('node', [BIN, 'audit', path, '--inventory', INV, '-f', 'json'], { env: ENV, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, rep: JSON.parse(r.stdout), stderr: r.stderr };
}
const body = (rep: any): any => {
  const { inputs: _i, evidence: _e, ...rest } = rep;
  return rest;
};

describe('Windows Packet Monitor captures', () => {
  const reference = audit(LAB).rep;

  it('pktmon layout: 1368 blocks collapse to the 228 packets, and the audit equals the lab', () => {
    const p = join(dir, 'ams-pktmon.pcapng');
    writeFileSync(p, pktmonStyle({ userAppl: 'Packet Monitor' }));
    const { rep } = audit(p);
    expect(body(rep)).toEqual(body(reference));
    const i = rep.inputs[0];
    expect(i).toMatchObject({ packets: 228, copiesCollapsed: 1140 });
    expect(i.warnings.map((w: { message: string }) => w.message)).toContain(
      'Windows Packet Monitor (pktmon) capture: 1140 per-component copies collapsed (identical packets within 1000 µs counted once; 228 packets remain)',
    );
    expect(i.warnings.some((w: { message: string }) => /cut short/.test(w.message))).toBe(false);
  });

  it('pktmon truncation (packets cut to 128 bytes): the warning names --pkt-size 0', () => {
    const p = join(dir, 'ams-pktmon-128.pcapng');
    writeFileSync(p, pktmonStyle({ userAppl: 'Packet Monitor', truncateEvery: 4 }));
    const { rep } = audit(p);
    const i = rep.inputs[0];
    expect(i).toMatchObject({ packets: 228, copiesCollapsed: 1140 });
    const warn = i.warnings.map((w: { message: string }) => w.message).find((m: string) => /cut short/.test(m));
    expect(warn).toMatch(/^\d+ of 228 packets were cut short by the capture: host names, TLS SNI and endpoint-mapper \(EPM\) hints may be missing; pktmon keeps 128 bytes of each packet by default: capture with "pktmon start --capture --pkt-size 0"$/);
    expect(rep.summary.packets).toBe(228);
  });

  it('a Windows section header without "Packet Monitor": collapsed once the pattern shows, and the report says from where', () => {
    const p = join(dir, 'ams-etl2pcapng.pcapng');
    writeFileSync(p, pktmonStyle({ userAppl: 'etl2pcapng' }));
    const { rep } = audit(p);
    const i = rep.inputs[0];
    // The first 64 blocks (about 11 packets with their copies) were counted before the pattern showed.
    expect(i.copiesCollapsed).toBe(1368 - 64 - (228 - Math.ceil(64 / 6)));
    expect(i.packets).toBe(1368 - i.copiesCollapsed);
    expect(i.warnings.map((w: { message: string }) => w.message).join('\n')).toContain('the first 64 packets, read before the pattern showed, were counted with their copies');
  });
});

describeShared('real Windows captures of the corpus are not collapsed', () => {
  const windows = ['zeek__krb-kerberos_tso.pcapng', 'zeek__ldap-missing_ldap_logs.pcapng', 'zeek__ldap-gap-data-missing.pcapng', 'zeek__pcapng-multi-interface.pcapng'];
  const manifest = new Map(readManifest().map((r) => [r.filename, r]));
  it.each(windows)('%s: every packet counted, nothing collapsed', async (name) => {
    const [s] = await ingestFiles([join(CAPTURES_DIR, name)], new FlowEngine());
    expect(s!.copiesCollapsed ?? null).toBeNull();
    expect(s!.packets).toBe(Number(manifest.get(name)!.packets));
  });
});
