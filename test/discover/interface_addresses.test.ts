/**
 * A pcapng from `live --write` records the capture interface's addresses (if_IPv4addr /
 * if_IPv6addr); discover takes them as the AMS server's (live runs on it), medium confidence
 * until its behaviour confirms it, and --as ams-server overrides them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { Lab } from '../../fixtures/lab_builder.js';
import { runCli } from '../support/run_cli.js';

function capture(): Uint8Array {
  const lab = new Lab(1772442000);
  lab.tcp({ ip: '10.0.0.10' }, 49801, { ip: '10.0.0.2' }, 389, 'answered');
  lab.tcp({ ip: '10.0.3.15' }, 51000, { ip: '10.0.0.10' }, 443, 'answered');
  lab.tcp({ ip: 'fd00:3::15' }, 51001, { ip: 'fd00:10::10' }, 443, 'answered');
  return lab.toPcapng([{ name: 'eth0', linkType: 1, addresses: [{ address: '10.0.0.10', prefix: 24 }, { address: 'fd00:10::10', prefix: 64 }, { address: 'fe80::1', prefix: 64 }] }]);
}

describe('capture interface addresses', () => {
  it('round-trip through the pcapng writer and reader', () => {
    const src = openCaptureBytes(capture(), 'x.pcapng');
    src.next(newRawPacket());
    expect(src.info.interfaces[0]?.addresses).toEqual(['10.0.0.10', 'fd00:10::10', 'fe80::1']);
  });

  it('make the AMS server: the IPv6 address too, which behaviour alone leaves undecided', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-ifaddr-'));
    const path = join(dir, 'live.pcapng');
    writeFileSync(path, capture());
    const inv = JSON.parse((await runCli(['discover', path, '-f', 'json'])).stdout);
    const ams = inv.roles['ams-server'].map((m: { address: string; confidence: string }) => `${m.address} ${m.confidence}`);
    expect(ams).toEqual(['10.0.0.10 high', 'fd00:10::10 medium']);
    expect(inv.roles['ams-server'][1].evidence[0]).toMatch(/^an address of the capture interface eth0 \(pcapng interface block of .*live\.pcapng\)/);
    const given = JSON.parse((await runCli(['discover', path, '-f', 'json', '--as', 'ams-server=10.0.0.10'])).stdout);
    expect(given.roles['ams-server'].map((m: { address: string }) => m.address)).toEqual(['10.0.0.10']);
  });
});
