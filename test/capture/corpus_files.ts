/** The shared real-capture corpus (read-only) and its MANIFEST.tsv. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CORPUS_DIR } from '../support/shared.js';

export { CORPUS_DIR };
export const CAPTURES_DIR = join(CORPUS_DIR, 'captures');
export const corpusMissing: string | false = existsSync(join(CORPUS_DIR, 'MANIFEST.tsv'))
  ? false
  : `corpus not found at ${CORPUS_DIR}`;

export interface ManifestRow {
  filename: string;
  format: string;
  linkTypes: string;
  /** MANIFEST `packets` column as written (a number, or "n/a (...)" for unreadable files). */
  packets: string;
  category: string;
  note: string;
}

export function readManifest(): ManifestRow[] {
  if (corpusMissing) return [];
  const lines = readFileSync(join(CORPUS_DIR, 'MANIFEST.tsv'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split('\t');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no column ${name}`);
    return i;
  };
  const [fi, fo, li, pi, ci, ni] = ['filename', 'format', 'link_types', 'packets', 'category', 'note'].map(col);
  return lines.map((l) => {
    const c = l.split('\t');
    const at = (i: number | undefined) => c[i ?? -1] ?? '';
    return { filename: at(fi), format: at(fo), linkTypes: at(li), packets: at(pi), category: at(ci), note: at(ni) };
  });
}
