/**
 * Community ID on real traffic: every connection's ID in `flowaudit flows` is one Wireshark's own
 * implementation (tshark --enable-protocol communityid, per packet) computes for the same capture.
 * Captures: the bundled lab and plain captures of the shared corpus (no tunnels: tshark hashes the
 * outer header, we do too, but tunnelled captures would also test decapsulation, not the hash).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsharkMissing } from '../capture/tshark.js';
import { runCli } from '../support/run_cli.js';
import { CORPUS_DIR, describeShared } from '../support/shared.js';

const CAPS = join(CORPUS_DIR, 'flowlogs', 'captures');
const LAB: [string, number][] = [['fixtures/ams-lab.pcapng', 39]];
const CORPUS: [string, number][] = [
  [join(CAPS, 'zeek__opt.basic.pcap'), 34],
  [join(CAPS, 'zeek__scripts.base.protocols.ftp.ftp-ipv6.pcap'), 6],
  [join(CAPS, 'zeek__scripts.base.protocols.dhcp.dhcp-all-msg-types.pcap'), 4],
  [join(CAPS, 'suricata-verify__dns-tcp-www-google-com.pcap'), 1],
];

async function agrees(path: string, connections: number): Promise<void> {
  if (!existsSync(path)) throw new Error(`missing ${path}`);
  const t = spawnSync('tshark', ['--enable-protocol', 'communityid', '-n', '-r', path, '-T', 'fields', '-e', 'communityid'], { encoding: 'utf8' });
  expect(t.status).toBe(0);
  const theirs = new Set(t.stdout.split('\n').filter(Boolean));
  const r = await runCli(['flows', path]);
  expect(r.code).toBe(0);
  const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { communityId: string | null });
  expect(rows).toHaveLength(connections);
  const ours = rows.map((x) => x.communityId);
  expect(ours.filter((id) => id === null || !theirs.has(id))).toEqual([]);
  expect(new Set(ours).size).toBe(connections); // one distinct ID per connection
}

describe.skipIf(tsharkMissing)('Community ID agrees with tshark', () => {
  it.each(LAB)('%s', agrees);
});

describeShared(
  'Community ID agrees with tshark on the flow-log corpus captures',
  () => {
    it.skipIf(tsharkMissing).each(CORPUS)('%s', agrees);
  },
  'corpus/flowlogs/captures',
);
