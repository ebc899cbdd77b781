/** Frames built by support/packets.ts fed to a FlowEngine as Ethernet packets, `stepUs` apart unless a frame names its time (µs). */
import { newRawPacket } from '../../src/capture/source.js';
import type { FlowEngine } from '../../src/flows/flow_engine.js';
import { frame, type FrameOpts } from './packets.js';

export const FEED_T0 = 1_772_442_000_000_000; // µs: 2026-03-02T09:00:00Z

export function feedFrames(frames: readonly (FrameOpts & { t?: number })[], engine: FlowEngine, stepUs: number): FlowEngine {
  const pkt = newRawPacket();
  let t = FEED_T0;
  for (const f of frames) {
    t = f.t ?? t + stepUs;
    const bytes = frame(f);
    pkt.data = bytes;
    pkt.offset = 0;
    pkt.caplen = pkt.wirelen = bytes.length;
    pkt.tsSec = Math.floor(t / 1e6);
    pkt.tsNsec = (t % 1e6) * 1000;
    pkt.linkType = 1;
    engine.ingest(pkt);
  }
  return engine;
}
