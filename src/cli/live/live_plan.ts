/**
 * `flowaudit live`'s command line, checked before anything is captured: durations and counts,
 * output paths (a report that cannot be written must not cost the capture), the engine, the
 * policy (matrix, inventory, `--as`, vantage) and, for pktmon, the port filters from the matrix.
 */
import { serverPortsFor } from '../../audit/server_ports.js';
import { checkVantage } from '../../audit/vantage.js';
import { chooseEngine } from '../../capture/live_engines.js';
import type { LiveEngineName } from '../../capture/live_engine.js';
import { ownAddresses } from '../../capture/live_source.js';
import { pktmonFilters, type PktmonFilterPlan } from '../../capture/pktmon_filters.js';
import { UsageError } from '../../errors.js';
import type { ServerPorts } from '../../flows/direction.js';
import type { Inventory, Matrix } from '../../matrix/types.js';
import { REPORT_FORMATS } from '../../report/render.js';
import type { Io } from '../io.js';
import { chooseFormat, loadPolicy, matrixFromSpecs } from '../options.js';
import { loadFirewalls } from '../firewall_option.js';
import type { FirewallHostInput } from '../../audit/firewall_findings.js';
import { checkOutputPath } from '../output.js';
import type { DeliveryFlags } from '../deliver.js';

export interface LiveFlags extends DeliveryFlags {
  interface: string;
  filter?: string;
  duration?: string;
  packets?: string;
  write?: string;
  as?: string;
  idleTimeout?: string;
  inventory?: string;
  matrix?: string[];
  features?: string[];
  scope?: string;
  format?: string;
  output?: string;
  quiet?: boolean;
  exitZero?: boolean;
  color?: boolean;
  vantage?: string[];
  requireAllMembers?: boolean;
  engine?: string;
  allTraffic?: boolean;
  acceptDamaged?: boolean;
  firewall?: string[];
}

export interface LivePlan {
  format: (typeof REPORT_FORMATS)[number];
  scope: 'inventory' | 'all';
  durationMs: number | null;
  maxPackets: number | null;
  idleMs: number;
  device: string;
  filter: string;
  engine: LiveEngineName;
  matrix: Matrix;
  inventory: Inventory;
  features: string[];
  serverPorts: ServerPorts;
  vantage: string[];
  as: { role: string; addresses: string[] } | null;
  /** Issue 21: --firewall HOST=FILE, read and parsed before the capture starts (a bad file stops it). */
  firewalls: FirewallHostInput[];
  /** pktmon's filters from the matrix's ports (none with --all-traffic). */
  trace: PktmonFilterPlan;
}

/** "90s", "10m", "1h", "1d", "500ms", or a plain number of seconds → ms. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${option}: "${text}" is not a duration (examples: 30s, 10m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${option}: "${text}" is not a positive whole number`);
  return Number(text);
}

export function planLive(flags: LiveFlags, io: Io): LivePlan {
  const format = chooseFormat(flags.format, REPORT_FORMATS, 'text', flags.output);
  const scope = flags.scope ?? 'inventory';
  if (scope !== 'inventory' && scope !== 'all') throw new UsageError(`unknown scope "${scope}" (expected inventory or all)`);
  const durationMs = flags.duration !== undefined ? parseDuration(flags.duration, '--duration') : null;
  const maxPackets = flags.packets !== undefined ? parseCount(flags.packets, '--packets') : null;
  const idleMs = parseDuration(flags.idleTimeout ?? '10m', '--idle-timeout');
  if (flags.output !== undefined) checkOutputPath(flags.output);
  if (flags.write !== undefined) checkOutputPath(flags.write, '--write');
  const engine = chooseEngine(flags.engine, io.env);
  if (flags.allTraffic === true && engine !== 'pktmon') throw new UsageError(`--all-traffic: only for --engine pktmon (the other engines capture all traffic unless --filter says otherwise)`);

  const matrix = matrixFromSpecs(flags.matrix);
  let extra: Record<string, string[]> | undefined;
  let as: LivePlan['as'] = null;
  if (flags.as !== undefined) {
    if (!matrix.roles.some((r) => r.name === flags.as)) {
      throw new UsageError(`--as ${flags.as}: role "${flags.as}" is not a role of matrix ${matrix.name} (known roles: ${matrix.roles.map((r) => r.name).join(', ')})`);
    }
    as = { role: flags.as, addresses: ownAddresses(flags.interface) };
    extra = { [flags.as]: as.addresses };
  }
  const policy = loadPolicy(flags.matrix, flags.inventory, flags.features, extra, matrix);
  const vantage = [...new Set([...(as ? [as.role] : []), ...(flags.vantage ?? [])])];
  checkVantage(vantage, matrix, policy.inventory);
  const trace = engine === 'pktmon' && flags.allTraffic !== true ? pktmonFilters(matrix.rules.flatMap((r) => r.portRanges.map((p) => ({ protocol: r.protocol, from: p.from, to: p.to })))) : { filters: [], note: null };
  return {
    format,
    scope,
    durationMs,
    maxPackets,
    idleMs,
    device: flags.interface,
    filter: flags.filter ?? '',
    engine,
    ...policy,
    serverPorts: serverPortsFor(matrix),
    vantage,
    as,
    firewalls: loadFirewalls(flags.firewall, policy.inventory),
    trace,
  };
}
