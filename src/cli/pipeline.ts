/**
 * The file pipeline shared by `audit` and `flows`: capture files → engine → facts.
 * Live capture feeds the same FlowEngine from another source.
 */
import { existsSync } from 'node:fs';
import { CliError } from '../errors.js';
import type { ServerPorts } from '../flows/direction.js';
import { collectFacts, type CaptureFacts } from '../flows/facts.js';
import { FlowEngine } from '../flows/flow_engine.js';
import { ingestFiles } from '../flows/ingest.js';

export async function analyseFiles(
  paths: string[],
  serverPorts: ServerPorts,
  onProgress?: (packets: number, path: string) => void,
): Promise<CaptureFacts> {
  if (paths.length === 0) throw new CliError('no capture file given', 'usage');
  for (const p of paths) {
    if (!existsSync(p)) throw new CliError(`${p}: no such file`, 'input');
  }
  const engine = new FlowEngine();
  const inputs = await ingestFiles(paths, engine, onProgress ? { onProgress } : {});
  return collectFacts(engine, inputs, serverPorts);
}
