import type { Command } from 'commander';
import { runAudit } from '../../audit/audit.js';
import { attachEvidence } from '../../audit/evidence.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { generationTime } from '../../audit/time.js';
import { UsageError, InputError } from '../../errors.js';
import { REPORT_FORMATS, renderReport } from '../../report/render.js';
import { useColor, type Io } from '../io.js';
import { DEFAULT_MATRIX, addAuditOptions, chooseFormat, loadPolicy } from '../options.js';
import { querySpec, type QueryFlags } from '../query_options.js';
import { analyseInputs, checkCaptures, nothingReadable, resolveInputs } from '../pipeline.js';
import type { AuditResult } from '../../audit/result.js';
import { exitCodeFor } from '../../audit/verdict.js';
import { checkVantage } from '../../audit/vantage.js';
import { checkOutputPath } from '../output.js';
import { deliverReport, prepareDelivery, type DeliveryFlags } from '../deliver.js';
import { buildState, stateJsonChunks } from '../../audit/merge.js';
import { factsToState, type FactsState } from '../../flows/facts_state.js';
import { os } from '../../lazy_builtins.js';
import { prestartHashing } from '../../capture/ingest.js';
import { phaseTimer } from '../timing.js';
import { auditFirewalls } from '../../audit/firewall_verdict.js';
import { loadFirewalls } from '../firewall_option.js';

const FORMATS = REPORT_FORMATS;

export interface AuditFlags extends DeliveryFlags, QueryFlags {
  inventory?: string;
  matrix?: string[];
  features?: string[];
  scope?: string;
  format?: string;
  output?: string;
  exitZero?: boolean;
  color?: boolean;
  vantage?: string[];
  requireAllMembers?: boolean;
  emitState?: string;
  sensor?: string;
  acceptDamaged?: boolean;
  flowLogRows?: boolean;
  firewall?: string[];
}

export function registerAudit(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  addAuditOptions(
    program
      .command('audit')
      .description('audit capture files against the flow matrix (exit 0 pass, 1 fail, 2 usage or input error, 3 inconclusive)')
      .argument('<capture...>', 'pcap/pcapng captures (gzip too), directories of them, - for standard input, and flow logs (Zeek conn.log, Suricata eve.json, flowaudit flows JSONL); audited together as one body of evidence, captures merged by packet time'),
  )
    .option('--emit-state <file>', 'also write a mergeable partial result (see flowaudit merge)')
    .option('--sensor <name>', 'name of the sensor these captures come from, recorded in --emit-state (default: host name)')
    .option('--columns <file>', 'for a clickhouse:// input: JSON mapping of conn.log facts (id_orig_h, id_resp_p, proto, orig_pkts, …) to the table\'s column names, null where the table lacks one (default: Zeek names with dots as underscores)')
    .option('--since <time>', 'for a clickhouse:// input: only rows from this time (ISO 8601 or epoch seconds)')
    .option('--until <time>', 'for a clickhouse:// input: only rows before this time (ISO 8601 or epoch seconds)')
    .option('--flow-log-rows', 'keep each flow-log row as a connection of its own (client ports, Community IDs) instead of aggregating rows per tuple as they are read; memory then grows with rows')
    .action(async (captures: string[], flags: AuditFlags) => {
      setExit(await auditCommand(captures, flags, io, argv));
    });
}

export async function auditCommand(captures: string[], flags: AuditFlags, io: Io, argv: string[] = []): Promise<number> {
  const timer = phaseTimer(io);
  const format = chooseFormat(flags.format, FORMATS, 'text', flags.output);
  const scope = flags.scope ?? 'inventory';
  if (scope !== 'inventory' && scope !== 'all') throw new UsageError(`unknown scope "${scope}" (expected inventory or all)`);
  checkCaptures(captures);
  captures = resolveInputs(captures); // + the ssl.log / dns.log beside a Zeek conn.log
  prestartHashing(captures); // the hash worker boots while the policy loads
  if (flags.output !== undefined) checkOutputPath(flags.output);
  if (flags.emitState !== undefined) checkOutputPath(flags.emitState, '--emit-state');
  const key = await prepareDelivery(flags, io.env);
  const { matrix, inventory, features } = loadPolicy(flags.matrix, flags.inventory, flags.features);
  const vantage = flags.vantage ?? [];
  checkVantage(vantage, matrix, inventory);
  const firewalls = loadFirewalls(flags.firewall, inventory);
  timer.mark('policy');
  const serverPorts = serverPortsFor(matrix);
  const { facts, hashed } = await analyseInputs(captures, serverPorts, {
    query: querySpec(flags, serverPorts, inventory, scope),
    keepClient: (a) => inventory.hasAddress(a),
    env: io.env,
    onNote: (m) => io.stderr(`flowaudit: note: ${m}\n`),
    ...(io.stdin ? { stdin: io.stdin } : {}),
    // A mergeable state keeps flow-log rows (merge finds connections two sensors share by their
    // 5-tuple); otherwise rows are aggregated per tuple as they are read (docs/scale.md).
    ...(flags.emitState !== undefined || flags.flowLogRows === true ? { records: 'rows' as const } : {}),
  });
  timer.mark('ingest');
  const unreadable = nothingReadable(facts);
  if (unreadable) {
    await hashed;
    for (const m of unreadable) io.stderr(`flowaudit: ${m}\n`);
    return 2;
  }
  const auditOpts = { scope, features, generatedAt: generationTime(io.env), vantage, requireAllMembers: flags.requireAllMembers === true, acceptDamaged: flags.acceptDamaged === true } as const;
  let audited: AuditResult = runAudit(facts, matrix, inventory, auditOpts); // while the hashes finish
  timer.mark('audit');
  const errorsBefore = facts.inputs.filter((i) => i.error).length;
  await hashed;
  timer.mark('hash-wait');
  rejectDuplicateInputs(facts.inputs);
  if (facts.inputs.filter((i) => i.error).length !== errorsBefore) audited = runAudit(facts, matrix, inventory, auditOpts);
  else {
    audited.inputs.forEach((r, k) => {
      r.sha256 = facts.inputs[k]?.sha256 ?? null;
      r.storedBytes = facts.inputs[k]?.storedBytes ?? null;
    });
  }
  audited = auditFirewalls(audited, facts.connections, matrix, inventory, firewalls);
  const state: FactsState | null = flags.emitState !== undefined ? factsToState(facts) : null;
  const matrixSpecs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : [DEFAULT_MATRIX];
  const result = attachEvidence(audited, { argv, matrixSpecs, host: null });
  timer.mark('evidence');
  if (flags.emitState !== undefined && state !== null) {
    let first = true;
    for (const chunk of stateJsonChunks(buildState(flags.sensor ?? os().hostname(), result, matrixSpecs, state))) {
      if (first) io.writeFile(flags.emitState, chunk);
      else io.appendFile(flags.emitState, chunk);
      first = false;
    }
    io.stderr(`flowaudit: wrote the mergeable state (sensor ${flags.sensor ?? os().hostname()}) to ${flags.emitState}\n`);
  }
  const toTerminal = flags.output === undefined && io.stdoutIsTTY;
  const text = renderReport(result, format, { color: flags.color !== false && toTerminal && useColor(io, true) });
  await deliverReport(io, result, text, format, flags, key, { matrix, matrixSpecs, inventoryPath: flags.inventory });
  timer.mark('report');
  timer.report();
  const broken = result.inputs.filter((i) => i.error);
  for (const i of broken) io.stderr(`flowaudit: ${i.error?.message}\n`);
  return exitCodeFor(result, flags.exitZero === true);
}

/**
 * The same capture given twice would count every packet twice: an input error naming both paths.
 * Caught by the files' SHA-256 (the same file twice), and by the fingerprint of their first
 * packets (capture/packet_fingerprint.ts: the same capture as .pcap and .pcapng, or re-written).
 */
export function rejectDuplicateInputs(inputs: readonly { path: string; sha256: string | null; packetPrint?: string | null }[]): void {
  const seen = new Map<string, string>();
  for (const i of inputs) {
    if (i.sha256 === null) continue;
    const first = seen.get(i.sha256);
    if (first !== undefined) throw new InputError(`${first} and ${i.path} are the same capture (sha256 ${i.sha256}); give each capture once`);
    seen.set(i.sha256, i.path);
  }
  const prints = new Map<string, string>();
  for (const i of inputs) {
    if (!i.packetPrint) continue;
    const first = prints.get(i.packetPrint);
    const n = i.packetPrint.split(':')[0];
    if (first !== undefined) {
      throw new InputError(`${first} and ${i.path} hold the same packets (the same link-layer bytes and timestamps in their first ${n} packet${n === '1' ? '' : 's'}): one capture in two files or formats would count every packet twice; give each capture once`);
    }
    prints.set(i.packetPrint, i.path);
  }
}
