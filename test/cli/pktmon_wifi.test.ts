/**
 * A pktmon pcapng from a Wi-Fi laptop: pktmon's Wi-Fi component logs each packet as an 802.11
 * QoS data frame with LLC/SNAP under the file's Ethernet link type, beside the Ethernet copy the
 * other components log. Built from the lab to that layout (test/support/dot11.ts): every packet
 * must be counted once, decoded (no non-IP frames), and the audit must equal the lab's.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { PcapngWriter } from '../../src/capture/pcapng_writer.js';
import { newRawPacket } from '../../src/capture/source.js';
import { dot11FromEthernet } from '../support/dot11.js';
import { runCli } from '../support/run_cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LAB = resolve('fixtures/ams-lab.pcapng');
const INV = resolve('fixtures/ams-lab.inventory.json');

let copies = 0;

/** The frame without its VLAN tags; null when it carries neither IP nor ARP. */
function untag(f: Uint8Array): Uint8Array | null {
  let off = 12;
  while (off + 4 <= f.length && [0x8100, 0x88a8, 0x9100].includes((f[off]! << 8) | f[off + 1]!)) off += 4;
  const et = (f[off]! << 8) | f[off + 1]!;
  if (et !== 0x0800 && et !== 0x86dd && et !== 0x0806) return null;
  return Uint8Array.from([...f.subarray(0, 12), ...f.subarray(off)]);
}

function wifiPktmon(): Uint8Array {
  const w = PcapngWriter.inMemory({ userAppl: 'Packet Monitor', os: 'Windows 11 Pro 26100' });
  w.addInterface({ linkType: 1, snapLen: 0, tsResolution: 'ns' });
  const src = openCaptureBytes(new Uint8Array(readFileSync(LAB)), 'lab');
  const pkt = newRawPacket();
  while (src.next(pkt)) {
    const f = pkt.data.slice(pkt.offset, pkt.offset + pkt.caplen);
    w.writePacket(0, pkt.tsSec, pkt.tsNsec, f, 0, f.length, pkt.wirelen);
    // VLAN tags do not cross the air, and LLDP stays on the wire: the Wi-Fi copy of the IP/ARP
    // packets carries the innermost ethertype.
    const untagged = untag(f);
    if (untagged === null) continue;
    const wifi = dot11FromEthernet(untagged, { qos: true });
    const ns = pkt.tsNsec + 15_000;
    w.writePacket(0, pkt.tsSec + (ns >= 1e9 ? 1 : 0), ns % 1e9, wifi, 0, wifi.length, wifi.length + (pkt.wirelen - pkt.caplen));
    copies++;
  }
  return w.close();
}

const body = (rep: any): any => {
  const { inputs: _i, evidence: _e, ...rest } = rep;
  return rest;
};

describe('pktmon pcapng with 802.11 copies under an Ethernet link type', () => {
  it('counts each packet once and audits like the lab', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-wifi-'));
    const p = join(dir, 'wifi-pktmon.pcapng');
    writeFileSync(p, wifiPktmon());
    const ref = JSON.parse((await runCli(['audit', LAB, '--inventory', INV, '-f', 'json'])).stdout);
    const run = await runCli(['audit', p, '--inventory', INV, '-f', 'json']);
    const rep = JSON.parse(run.stdout);
    expect(copies).toBe(227); // every packet but the LLDP frame has its Wi-Fi copy
    expect(rep.inputs[0]).toMatchObject({ packets: 228, copiesCollapsed: 227 });
    expect(rep.summary.nonIpFrames).toBe(ref.summary.nonIpFrames);
    expect(body(rep)).toEqual(body(ref));
  });
});
