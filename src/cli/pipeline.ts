/**
 * The file pipeline shared by `audit` and `flows`: capture files → engine → facts.
 * Live capture feeds the same FlowEngine from another source.
 */
import { existsSync } from 'node:fs';
import { CliError } from '../errors.js';
import type { ServerPorts } from '../flows/direction.js';
import { collectFacts, type CaptureFacts } from '../flows/facts.js';
import { FlowEngine } from '../flows/flow_engine.js';
import type { HashResult } from '../flows/file_hash.js';
import { ingestFilesDeferred } from '../flows/ingest.js';

/** Usage/input errors before any work: no file given, or a file that does not exist. */
export function checkCaptures(paths: string[]): void {
  if (paths.length === 0) throw new CliError('no capture file given', 'usage');
  for (const p of paths) {
    if (!existsSync(p)) throw new CliError(`${p}: no such file`, 'input');
  }
}

/**
 * Parse the files into facts now; `hashed` resolves when the inputs' SHA-256 (computed on a worker
 * thread) are in `facts.inputs`. Audit meanwhile, then wait before reporting.
 */
export function analyseFilesDeferred(
  paths: string[],
  serverPorts: ServerPorts,
  onProgress?: (packets: number, path: string) => void,
  hashes?: Promise<Map<string, HashResult>>,
): { facts: CaptureFacts; hashed: Promise<void> } {
  checkCaptures(paths);
  const engine = new FlowEngine();
  const { inputs, hashed } = ingestFilesDeferred(paths, engine, onProgress ? { onProgress } : {}, hashes);
  return { facts: collectFacts(engine, inputs, serverPorts), hashed };
}

export async function analyseFiles(
  paths: string[],
  serverPorts: ServerPorts,
  onProgress?: (packets: number, path: string) => void,
): Promise<CaptureFacts> {
  const { facts, hashed } = analyseFilesDeferred(paths, serverPorts, onProgress);
  await hashed;
  return facts;
}
