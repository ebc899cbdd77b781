/** Readers for the tshark reference files in shared/corpus/reference (see its README). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR } from '../support/shared.js';

export const CORPUS = CORPUS_DIR;
export const CAPTURES = join(CORPUS, 'captures');
export const REFERENCE = join(CORPUS, 'reference');

export interface RefFlow {
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  packets: number;
  bytes: number;
  packetsFwd: number;
  bytesFwd: number;
  packetsRev: number;
  bytesRev: number;
}

export interface RefFile {
  flows: RefFlow[];
  nonIpFrames: number;
}

export function corpusAvailable(): boolean {
  return existsSync(CAPTURES) && existsSync(REFERENCE);
}

export function captureNames(): string[] {
  return corpusAvailable() ? readdirSync(CAPTURES).sort() : [];
}

export function readReference(capture: string): RefFile | null {
  const p = join(REFERENCE, `${capture}.flows.tsv`);
  if (!existsSync(p)) return null;
  const flows: RefFlow[] = [];
  let nonIpFrames = 0;
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (!line || line.startsWith('proto\t')) continue;
    if (line.startsWith('#non-ip')) {
      nonIpFrames = Number(/frames=(\d+)/.exec(line)?.[1] ?? 0);
      continue;
    }
    const f = line.split('\t');
    const num = (i: number): number => Number(f[i]);
    const port = (i: number): number | null => (f[i] === '-' ? null : Number(f[i]));
    flows.push({
      proto: f[0]!,
      src: f[1]!,
      sport: port(2),
      dst: f[3]!,
      dport: port(4),
      packets: num(5),
      bytes: num(6),
      packetsFwd: num(7),
      bytesFwd: num(8),
      packetsRev: num(9),
      bytesRev: num(10),
    });
  }
  return { flows, nonIpFrames };
}

export interface ManifestRow {
  filename: string;
  category: string;
  packets: string;
  note: string;
  [k: string]: string;
}

export function readManifest(): ManifestRow[] {
  const text = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trimEnd().split('\n');
  const head = text[0]!.split('\t');
  return text.slice(1).map((l) => {
    const cells = l.split('\t');
    const row: Record<string, string> = {};
    head.forEach((h, i) => (row[h] = cells[i] ?? ''));
    return row as ManifestRow;
  });
}
