/**
 * tshark's per-frame view of every corpus capture (time, wire length, captured length, interface),
 * recorded once in test/capture/tshark_frames.json so that `npm test` does not run tshark per file:
 * for each file the number of frames tshark reads and the SHA-256 of its lines
 * `time<TAB>len<TAB>capLen<TAB>iface` (time "-" where we normalise it on purpose, see
 * TSHARK_TIME_DIFFERS). Source: tshark's own output on ../shared/corpus/captures; the file records
 * the tshark version. Regenerate (when the corpus or tshark changes) with
 *   npx tsx test/capture/frame_reference.ts
 */
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { TsharkFrame } from './tshark.js';

export const FRAME_REFERENCE = 'test/capture/tshark_frames.json';

/** Files whose timestamps we normalise on purpose where tshark prints the raw fraction. */
export const TSHARK_TIME_DIFFERS: Record<string, string> = {
  'tcpdump__timestamp_invalid_nano.pcap': 'fraction ≥ 1e9: we carry it into seconds, tshark prints it raw',
  'ndpi__fuzz-2021-10-13.pcap': 'fraction ≥ 1e9: we carry it into seconds, tshark prints it raw',
};

export interface FrameReference {
  source: string;
  tshark: string;
  files: Record<string, { frames: number; sha256: string }>;
}

/** The lines a frame list is hashed as. */
export function frameLines(name: string, frames: TsharkFrame[]): string[] {
  const sameTime = !(name in TSHARK_TIME_DIFFERS);
  return frames.map((f) => `${sameTime ? f.time : '-'}\t${f.len}\t${f.capLen}\t${f.iface}`);
}

export function digestLines(lines: string[]): string {
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

async function main(): Promise<void> {
  // Not through test/support/shared.ts, which needs a running vitest.
  const shared = process.env.FLOWAUDIT_SHARED || join(new URL('../..', import.meta.url).pathname, '..', 'shared');
  const CAPTURES_DIR = join(shared, 'corpus', 'captures');
  const { tsharkFrames } = await import('./tshark.js');
  const version = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const files: FrameReference['files'] = {};
  for (const name of readdirSync(CAPTURES_DIR).sort()) {
    const t = tsharkFrames(join(CAPTURES_DIR, name));
    files[name] = { frames: t.frames.length, sha256: digestLines(frameLines(name, t.frames)) };
  }
  const ref: FrameReference = {
    source: 'tshark -n -r FILE -T fields -e frame.time_epoch -e frame.len -e frame.cap_len -e frame.interface_id, on ../shared/corpus/captures (test/capture/frame_reference.ts)',
    tshark: version,
    files,
  };
  writeFileSync(FRAME_REFERENCE, `${JSON.stringify(ref, null, 1)}\n`);
  console.log(`wrote ${FRAME_REFERENCE}: ${Object.keys(files).length} files`);
}

if (process.argv[1]?.endsWith('frame_reference.ts')) await main();
