/**
 * The file pipeline shared by `audit` and `flows`: capture files → engine → facts.
 * Live capture feeds the same FlowEngine from another source.
 */
import { existsSync } from 'node:fs';
import { CliError } from '../errors.js';
import type { ServerPorts } from '../flows/direction.js';
import { collectFacts, type CaptureFacts } from '../flows/facts.js';
import { FlowEngine } from '../flows/flow_engine.js';
import { sha256FilesInBackground, type HashResult } from '../flows/file_hash.js';
import { ingestFilesDeferred } from '../flows/ingest.js';
import { joinRecordFacts, readRecordLogs, recordLogFormat, withCompanionLogs, type RecordLogInput } from '../records/record_facts.js';

/**
 * The inputs of a run as given, plus the Zeek ssl.log / dns.log found beside a given conn.log
 * (read for names; listed and hashed as inputs like the others).
 */
export function resolveInputs(paths: string[]): string[] {
  return withCompanionLogs(paths);
}

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
  // The record-log hook: a flow log (Zeek, Suricata, flowaudit flows), detected by content, is read
  // by src/records; everything else goes to the packet engine. Both end in the same facts.
  const logs: RecordLogInput[] = [];
  const isRecord = paths.map((p) => {
    const f = recordLogFormat(p);
    if (f) logs.push({ path: p, ...f });
    return f !== null;
  });
  const all = hashes ?? sha256FilesInBackground(paths);
  const captures = paths.filter((_, i) => !isRecord[i]);
  const { inputs, hashed } = ingestFilesDeferred(captures, engine, onProgress ? { onProgress } : {}, all);
  let facts = collectFacts(engine, inputs, serverPorts);
  if (logs.length === 0) return { facts, hashed };
  const read = readRecordLogs(logs, serverPorts);
  facts = joinRecordFacts(facts, read, paths, isRecord);
  const logsHashed = all.then((h) => {
    for (const s of read.inputs.values()) {
      const r = h.get(s.path);
      if (r && 'sha256' in r) s.sha256 = r.sha256;
      else if (!s.error) s.error = { offset: 0, message: `${s.path}: cannot hash file: ${r?.error ?? 'no result'}` };
    }
  });
  return { facts, hashed: Promise.all([hashed, logsHashed]).then(() => undefined) };
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
