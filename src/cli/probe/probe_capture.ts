/**
 * `probe --write FILE`: keep the probe's own packets as evidence through the live engines (cap,
 * tcpdump, dumpcap, tshark: capture/live_engines.ts) on the outgoing interface (default `any`), with
 * a filter on the targets. Where no engine can run (none installed, no privileges), the probe goes
 * on and the report says why nothing was kept: evidence is best kept, never a reason to not test.
 */
import type { ProbeCapture } from '../../audit/probe_result.js';
import type { LiveEngine } from '../../capture/live_engine.js';
import { chooseEngine, openLiveEngine } from '../../capture/live_engines.js';
import { messageOf } from '../../errors.js';
import { EvidenceWriter, evidenceRecord } from '../live/evidence_writer.js';

export interface ProbeCaptureSession {
  /** Stops the engine, closes the file, and says what was kept. */
  finish(): Promise<ProbeCapture>;
}

/** The BPF filter on the targets: "host A or host B …" (addresses only, from the inventory). */
export function targetFilter(addresses: readonly string[]): string {
  return addresses.map((a) => `host ${a}`).join(' or ');
}

const unavailable = (path: string, why: string): ProbeCapture => ({ path: null, engine: null, packets: 0, bytes: 0, sha256: null, unavailable: `${path} not written: ${why}` });

export async function startProbeCapture(
  path: string,
  device: string,
  engineName: string | undefined,
  addresses: readonly string[],
  env: Record<string, string | undefined>,
): Promise<ProbeCaptureSession> {
  let engine: LiveEngine | null = null;
  let writer: EvidenceWriter | null = null;
  const filter = targetFilter(addresses);
  let failed: string | null = null;
  try {
    const name = chooseEngine(engineName, env);
    if (name === 'pktmon' || name === 'netsh') throw new Error(`${name} is not used by probe (no per-target filter); use cap, tcpdump, dumpcap or tshark`);
    engine = openLiveEngine(name, { device, filter, maxPackets: null, write: path, env, traceFilters: [] });
    writer = EvidenceWriter.forEngine(path, engine, filter);
    const w = writer;
    engine.start(
      (pkt) => w?.write(pkt),
      (e) => void (failed = messageOf(e)),
    );
    await engine.ready();
  } catch (e) {
    engine?.kill();
    try {
      writer?.close();
    } catch {}
    const why = messageOf(e);
    return { finish: async () => unavailable(path, why) };
  }
  const e = engine;
  return {
    finish: async () => {
      await e.stop(() => false);
      writer?.close();
      const rec = await evidenceRecord(path, writer, e);
      if (!rec) return unavailable(path, 'no engine');
      return { path: rec.path, engine: e.name, packets: rec.packets, bytes: rec.bytes, sha256: rec.sha256, unavailable: failed };
    },
  };
}
