/**
 * Issue 17: the same packets under two files or formats (the lab as .pcapng and as .pcap, which
 * differ byte for byte) would double every packet and connection. They are refused as duplicate
 * input, naming both, whether given one by one or as a folder; different captures are not.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { buildAmsNic } from '../../fixtures/scenarios.js';
import { pcapFile, type PcapRecord } from '../support/packets.js';
import { runCli } from '../support/run_cli.js';

const LAB = 'fixtures/ams-lab.pcapng';
const INV = 'fixtures/ams-lab.inventory.json';

/** The lab's packets as a classic microsecond pcap (what editcap -F pcap writes). */
function labAsPcap(): Uint8Array {
  const src = openCapture(LAB);
  const raw = newRawPacket();
  const recs: PcapRecord[] = [];
  let link = 1;
  while (src.next(raw)) {
    link = raw.linkType;
    recs.push({ data: raw.data.slice(raw.offset, raw.offset + raw.caplen), tsSec: raw.tsSec, tsUsec: Math.floor(raw.tsNsec / 1000), wirelen: raw.wirelen });
  }
  src.close();
  return pcapFile(link, recs);
}

describe('one capture in two formats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-dup-'));
  const folder = join(dir, 'captures');
  mkdirSync(folder);
  const pcap = join(folder, 'lab.pcap');
  writeFileSync(pcap, labAsPcap());
  const pcapng = join(folder, 'lab.pcapng');
  writeFileSync(pcapng, readFileSync(LAB));

  it('the pcap alone audits like the pcapng (same packets, a different file)', async () => {
    const a = JSON.parse((await runCli(['audit', LAB, '-i', INV, '-f', 'json'])).stdout);
    const b = JSON.parse((await runCli(['audit', pcap, '-i', INV, '-f', 'json'])).stdout);
    expect(b.inputs[0].sha256).not.toBe(a.inputs[0].sha256);
    expect(b.summary.packets).toBe(a.summary.packets);
    expect(b.summary.connections).toBe(a.summary.connections);
  });

  it.each([
    ['given one by one', [pcapng, pcap]],
    ['as a folder', [folder]],
  ])('%s: refused in one line naming both (exit 2)', async (_how, args) => {
    const r = await runCli(['audit', ...args, '-i', INV]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^flowaudit: \S+lab\.pcap(ng)? and \S+lab\.pcap(ng)? hold the same packets \(the same link-layer bytes and timestamps in their first 64 packets\): one capture in two files or formats would count every packet twice; give each capture once\n$/);
  });

  it('two different captures are audited together', async () => {
    const other = join(dir, 'nic.pcapng');
    writeFileSync(other, buildAmsNic());
    const r = await runCli(['audit', LAB, other, '-i', INV, '-f', 'json']);
    expect(r.stderr).not.toMatch(/same packets/);
    expect(JSON.parse(r.stdout).inputs).toHaveLength(2);
  });
});
