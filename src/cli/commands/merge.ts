/**
 * `flowaudit merge part.json...`: one report from the partial results of many sensors or windows
 * (written by `audit --emit-state`), the same as auditing all their inputs in one run.
 */
import type { Command } from 'commander';
import { loadFirewalls } from '../firewall_option.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { attachEvidence } from '../../audit/evidence.js';
import { checkState, mergeStates, StateError, type AuditState } from '../../audit/merge.js';
import { generationTime } from '../../audit/time.js';
import { UsageError, InputError, messageOf } from '../../errors.js';
import { REPORT_FORMATS, renderReport } from '../../report/render.js';
import { useColor, type Io } from '../io.js';
import { addAuditOptions, chooseFormat, loadPolicy } from '../options.js';
import { checkOutputPath } from '../output.js';
import { exitCodeFor } from '../../audit/verdict.js';
import type { AuditFlags } from './audit.js';
import { deliverReport, prepareDelivery } from '../deliver.js';

interface MergeFlags extends AuditFlags {
  dedupeWindow?: string;
}

export function registerMerge(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  addAuditOptions(
    program
      .command('merge')
      .description('one report from the --emit-state files of several sensors or windows (exit codes as audit)')
      .argument('<state...>', 'state files written by flowaudit audit --emit-state'),
  )
    .option('--dedupe-window <seconds>', "two sensors' sightings of a connection this close in time are the same packets", '1')
    .action(async (files: string[], flags: MergeFlags) => {
      setExit(await mergeCommand(files, flags, io, argv));
    });
}

/** A state file, and the SHA-256 of its bytes (recorded in the merged report for verify). */
export function readState(path: string): AuditState & { fileSha256: string } {
  let text: string;
  let sha: string;
  try {
    const bytes = readFileSync(path);
    sha = createHash('sha256').update(bytes).digest('hex');
    text = bytes.toString('utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`${path}: cannot read state file: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not JSON (${messageOf(e)}); merge needs files written by audit --emit-state`);
  }
  try {
    const state = checkState(json, path);
    Object.defineProperty(state, 'fileSha256', { value: sha, enumerable: false });
    return state as AuditState & { fileSha256: string };
  } catch (e) {
    if (e instanceof StateError) throw new InputError(e.message);
    throw e;
  }
}

export async function mergeCommand(files: string[], flags: MergeFlags, io: Io, argv: string[] = []): Promise<number> {
  const format = chooseFormat(flags.format, REPORT_FORMATS, 'text', flags.output);
  const scope = flags.scope ?? 'inventory';
  if (scope !== 'inventory' && scope !== 'all') throw new UsageError(`unknown scope "${scope}" (expected inventory or all)`);
  if (flags.output !== undefined) checkOutputPath(flags.output);
  const key = await prepareDelivery(flags, io.env);
  if ((flags.vantage?.length ?? 0) > 0 || flags.requireAllMembers) {
    throw new UsageError('merge applies the --vantage and --require-all-members the parts were audited with; give them to audit --emit-state');
  }
  const window = Number(flags.dedupeWindow ?? '1');
  if (!Number.isFinite(window) || window < 0) throw new UsageError(`--dedupe-window must be a number of seconds ≥ 0 (got "${flags.dedupeWindow}")`);
  const parts = files.map((name) => ({ name, state: readState(name) }));
  // The policy: as given, else what the first part was audited with (checked by hash below).
  const first = parts[0]!.state;
  const matrixSpecs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : first.matrix.specs;
  const inventoryPath = flags.inventory ?? (first.inventory.sha256 === null ? undefined : first.inventory.origin);
  const { matrix, inventory, features } = loadPolicy(matrixSpecs, inventoryPath, flags.features);
  const firewalls = loadFirewalls(flags.firewall, inventory);
  let merged: ReturnType<typeof mergeStates>;
  try {
    merged = mergeStates(parts, matrix, inventory, { scope, features, generatedAt: generationTime(io.env), dedupeWindowSec: window, acceptDamaged: flags.acceptDamaged === true, firewalls });
  } catch (e) {
    if (e instanceof StateError) throw new InputError(e.message);
    // A state file is attacker-controllable JSON: a shape the checks above let through is bad input, not a crash.
    if (e instanceof TypeError || e instanceof RangeError) throw new InputError(`${files.join(', ')}: a state file is malformed (${e.message}); merge reads files written by audit --emit-state`);
    throw e;
  }
  if (merged.merge) merged.merge.states = parts.map((p) => ({ path: p.name, sensor: p.state.sensor, sha256: p.state.fileSha256 }));
  const result = attachEvidence(merged, { argv, matrixSpecs, host: null });
  for (const w of result.merge?.warnings ?? []) io.stderr(`flowaudit: warning: ${w}\n`);
  const toTerminal = flags.output === undefined && io.stdoutIsTTY;
  const text = renderReport(result, format, { color: flags.color !== false && toTerminal && useColor(io, true) });
  await deliverReport(io, result, text, format, flags, key, { matrix, matrixSpecs, inventoryPath, states: files });
  return exitCodeFor(result, flags.exitZero === true);
}
