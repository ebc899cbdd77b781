/**
 * `flowaudit probe --inventory FILE --as ROLE`: an active segmentation test from this host. The
 * plan (audit/probe_plan.ts) lists the documented flows from ROLE to inventory addresses and a
 * bounded list of undocumented ports on the same members; src/probe/ tries them (rate-limited,
 * within a time budget); audit/probe_judge.ts judges; report/probe_*.ts render. Nothing is sent
 * to an address outside the inventory. Exit 0 pass, 1 fail (an undocumented port open, a required
 * flow failing), 2 usage/input error, 3 inconclusive (something not tried or unproven).
 */
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { buildProbeResult } from '../../audit/probe_build.js';
import { parseProbePorts, planProbes, refuseOutside, type ProbePlan } from '../../audit/probe_plan.js';
import type { ProbeResult } from '../../audit/probe_result.js';
import { generationTime } from '../../audit/time.js';
import { UsageError } from '../../errors.js';
import { addressWords } from '../../matrix/index.js';
import { ownAddresses } from '../../capture/live_source.js';
import { runProbes } from '../../probe/run_probes.js';
import { PROBE_FORMATS, renderProbeReport } from '../../report/probe_render.js';
import { signBytes, signaturePath } from '../../evidence/sign_file.js';
import { fingerprint } from '../../evidence/sshsig.js';
import { prepareDelivery } from '../deliver.js';
import { EXIT } from '../exit_codes.js';
import { useColor, type Io } from '../io.js';
import { parseDuration } from '../live/live_plan.js';
import { chooseFormat, collectList, collectRepeat, loadPolicy } from '../options.js';
import { checkOutputPath, writeOutput } from '../output.js';
import { startProbeCapture } from '../probe/probe_capture.js';

export interface ProbeFlags {
  inventory: string;
  as: string;
  matrix?: string[];
  ports?: string[];
  rate?: string;
  budget?: string;
  timeout?: string;
  write?: string;
  engine?: string;
  interface?: string;
  output?: string;
  format?: string;
  signKey?: string;
  color?: boolean;
  quiet?: boolean;
}

export const MAX_RATE = 1000;

export function registerProbe(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  program
    .command('probe')
    .description('active segmentation test from this host: try the documented flows of ROLE and a bounded list of undocumented ports on inventory members (exit 0 pass, 1 fail, 2 usage/input error, 3 inconclusive)')
    .requiredOption('--inventory <file>', 'inventory JSON: the only addresses a probe is sent to')
    .requiredOption('--as <role>', 'the role this host plays (its documented flows are tried)')
    .option('-m, --matrix <spec>', 'matrix file or builtin:NAME (repeatable, merged; default builtin:ams)', collectRepeat)
    .option('--ports <list>', `undocumented ports to try besides 22,23,135,139,445,3389,5985,5986: PORT, tcp/PORT, udp/PORT (at most 16)`, collectList)
    .option('--rate <n>', 'probes started per second, at most (token bucket)', '20')
    .option('--budget <time>', 'total time for all probes; those it leaves no time for are listed as not tried', '60s')
    .option('--timeout <time>', 'how long each probe waits for an answer (2 s: past the first SYN retransmission, which an ICMPv6 error may need)', '2s')
    .option('--write <file.pcapng>', "keep the probe's own packets (a live engine on --interface, filtered on the targets)")
    .option('--engine <name>', 'capture engine for --write: cap, tcpdump, dumpcap or tshark (default: as flowaudit live)')
    .option('--interface <name>', 'capture interface for --write', 'any')
    .option('-f, --format <format>', `${PROBE_FORMATS.join(', ')}; default: from the --output extension, else text`)
    .option('-o, --output <file>', 'write the report to a file instead of standard output')
    .option('--sign-key <file>', 'sign the report (-o FILE gets FILE.sig) with this OpenSSH ed25519 key')
    .option('--no-color', 'no colour in the text report')
    .option('-q, --quiet', 'no progress lines')
    .action(async (flags: ProbeFlags) => {
      setExit(await probeCommand(flags, io, argv));
    });
}

function numberOption(text: string, option: string, max: number): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > max) throw new UsageError(`${option}: "${text}" is not a number between 0 and ${max}`);
  return n;
}

interface Settings {
  plan: ProbePlan;
  settings: ProbeResult['settings'];
}

function settle(flags: ProbeFlags): Settings & { policy: ReturnType<typeof loadPolicy> } {
  const ratePerSecond = numberOption(flags.rate ?? '20', '--rate', MAX_RATE);
  const budgetMs = parseDuration(flags.budget ?? '60s', '--budget');
  const timeoutMs = parseDuration(flags.timeout ?? '2s', '--timeout');
  if (timeoutMs <= 0 || timeoutMs > 60_000) throw new UsageError(`--timeout: ${flags.timeout} is not between 1 ms and 60 s`);
  if (flags.output !== undefined) checkOutputPath(flags.output);
  if (flags.write !== undefined) checkOutputPath(flags.write, '--write');
  const policy = loadPolicy(flags.matrix, flags.inventory, undefined);
  const plan = planProbes(policy.matrix, policy.inventory, flags.as, parseProbePorts(flags.ports ?? []));
  refuseOutside(plan.probes, policy.inventory);
  return { policy, plan, settings: { ratePerSecond, budgetMs, timeoutMs, undocumentedPorts: plan.undocumentedPorts } };
}

export async function probeCommand(flags: ProbeFlags, io: Io, argv: string[] = []): Promise<number> {
  const format = chooseFormat(flags.format, PROBE_FORMATS, 'text', flags.output);
  const { policy, plan, settings } = settle(flags);
  const delivery = { noEvidenceDir: true, ...(flags.output !== undefined ? { output: flags.output } : {}), ...(flags.signKey !== undefined ? { signKey: flags.signKey } : {}) };
  const key = await prepareDelivery(delivery, io.env);
  const say = (t: string): void => void (flags.quiet ? undefined : io.stderr(`flowaudit: ${t}\n`));
  const targets = [...new Set(plan.probes.map((p) => p.address))];
  say(`probe as ${plan.as}: ${plan.probes.length} probes to ${targets.length} inventory addresses, ${settings.ratePerSecond}/s, budget ${settings.budgetMs} ms, timeout ${settings.timeoutMs} ms`);
  const capture = flags.write !== undefined && targets.length > 0 ? await startProbeCapture(flags.write, flags.interface ?? 'any', flags.engine, targets, io.env) : null;
  const outcomes = await runProbes(plan.probes, settings);
  const kept = capture ? await capture.finish() : null;
  if (kept?.unavailable) say(kept.unavailable);
  const own = ownAddresses(''); // this host's non-loopback addresses: where the probes come from
  const result = buildProbeResult(plan, outcomes, policy.matrix, policy.inventory, {
    generatedAt: generationTime(io.env),
    argv,
    host: hostname(),
    addresses: own,
    inRole: own.some((a) => isIP(a) !== 0 && policy.inventory.rolesForAddress(addressWords(a)).includes(plan.as)),
    settings,
    capture: kept,
  });
  const toTerminal = flags.output === undefined && io.stdoutIsTTY;
  const text = renderProbeReport(result, format, { color: flags.color !== false && toTerminal && useColor(io, true) });
  if (flags.output === undefined) io.stdout(text);
  else {
    const out = flags.output;
    writeOutput(() => io.writeFile(out, text), out);
    io.stderr(`flowaudit: wrote the ${format} probe report to ${out}: verdict ${result.verdict.toUpperCase()}\n`);
    if (key) {
      const sig = signaturePath(out);
      const signature = await signBytes(text, key);
      writeOutput(() => io.writeFile(sig, signature), sig);
      io.stderr(`flowaudit: signed ${out} → ${sig} (${fingerprint(key.publicKey)})\n`);
    }
  }
  return result.verdict === 'pass' ? EXIT.pass : result.verdict === 'fail' ? EXIT.fail : EXIT.inconclusive;
}
