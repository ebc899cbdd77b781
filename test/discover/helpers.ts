/** Run discovery over a scenario built with the fixture Lab (pcapng bytes → engine → facts). */
import { runDiscovery, type DiscoverOptions, type DiscoveryResult } from '../../src/audit/discover/discover.js';
import { serverPortsFor } from '../../src/audit/server_ports.js';
import { openCaptureBytes } from '../../src/capture/open_capture.js';
import { newRawPacket } from '../../src/capture/source.js';
import { collectFacts } from '../../src/flows/facts.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import type { Matrix } from '../../src/matrix/types.js';
import { Lab } from '../../fixtures/lab_builder.js';

export const AMS_MATRIX = loadMatrix('builtin:ams');

export function discoverBytes(bytes: Uint8Array, opts: Partial<DiscoverOptions> = {}, matrix: Matrix = AMS_MATRIX): DiscoveryResult {
  const src = openCaptureBytes(bytes, 'mem.pcapng');
  const engine = new FlowEngine();
  const p = newRawPacket();
  while (src.next(p)) engine.ingest(p);
  const facts = collectFacts(engine, [], serverPortsFor(matrix));
  return runDiscovery(facts, matrix, { as: [], ...opts });
}

export function discoverLab(build: (lab: Lab) => void, opts: Partial<DiscoverOptions> = {}, matrix?: Matrix): DiscoveryResult {
  const lab = new Lab(1772442000);
  build(lab);
  return discoverBytes(lab.toPcapng([{ name: 'eth0', linkType: 1 }]), opts, matrix);
}

/** "role member confidence" lines, sorted, for compact expectations. */
export function memberLines(r: DiscoveryResult): string[] {
  return r.members.map((m) => `${m.role} ${m.member} ${m.confidence}`).sort();
}
