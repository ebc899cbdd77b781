/**
 * `flowaudit discover`: read captures with the same pipeline as `audit` and propose the inventory
 * (src/audit/discover). JSON is an inventory file `audit --inventory` accepts unchanged; text is
 * for a person. Exit 0 when the proposal was made, 2 on usage or input errors.
 */
import type { Command } from 'commander';
import { runDiscovery } from '../../audit/discover/discover.js';
import { groupClients, inventoryFile } from '../../audit/discover/inventory_file.js';
import { serverPortsFor } from '../../audit/server_ports.js';
import { generationTime } from '../../audit/time.js';
import { UsageError } from '../../errors.js';
import { parseMember } from '../../matrix/inventory.js';
import { renderDiscoverText } from '../../report/discover_text.js';
import { VERSION } from '../../version.js';
import type { Io } from '../io.js';
import { DEFAULT_MATRIX, chooseFormat, collectRepeat, loadPolicy } from '../options.js';
import { analyseFiles, checkCaptures, nothingReadable, resolveInputs } from '../pipeline.js';
import { checkOutputPath, writeOutput } from '../output.js';
import { plural } from '../../report/labels.js';

const FORMATS = ['text', 'json'] as const;

export interface DiscoverFlags {
  matrix?: string[];
  as?: string[];
  onlyAs?: string[];
  groupClients?: string;
  format?: string;
  output?: string;
}

export function registerDiscover(program: Command, io: Io, setExit: (code: number) => void, argv: string[] = []): void {
  program
    .command('discover')
    .description('propose the inventory from the captures: roles with evidence and confidence (JSON is an inventory file for audit --inventory)')
    .argument('<capture...>', 'the same inputs as audit, read as one body of evidence')
    .option('-m, --matrix <spec>', 'matrix file or builtin:NAME (repeatable, merged; default builtin:ams)', collectRepeat)
    .option('--as <role=address>', 'add a member to a role yourself, e.g. --as jit-target=10.0.2.21; it keeps the roles its traffic earned (repeatable)', collectRepeat)
    .option('--only-as <role=address>', 'as --as, but the member holds only the roles given with --only-as (repeatable)', collectRepeat)
    .option('--group-clients <prefix>', 'fold client-role members into CIDRs, e.g. /24 (IPv6: /64); default: single addresses')
    .option('-f, --format <format>', 'text (for a person) or json (an inventory file); default: json for an --output ending .json, else text')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (captures: string[], flags: DiscoverFlags) => {
      setExit(await discoverCommand(captures, flags, io, argv));
    });
}

/** `--as ROLE=MEMBER` → checked pairs (the role must be the matrix's, the member a valid inventory member). */
export function parseAs(values: string[], roles: readonly string[], option = '--as'): { role: string; member: string }[] {
  return values.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`${option} ${JSON.stringify(v)}: expected ROLE=ADDRESS, e.g. ams-server=10.0.0.10`);
    const role = v.slice(0, eq).trim();
    const member = v.slice(eq + 1).trim();
    if (!roles.includes(role)) throw new UsageError(`${option} ${JSON.stringify(v)}: "${role}" is not a role of the matrix (known: ${roles.join(', ')})`);
    const parsed = parseMember(member);
    if (!parsed.ok) throw new UsageError(`${option} ${JSON.stringify(v)}: ${JSON.stringify(member)} ${parsed.reason}`);
    return { role, member };
  });
}

export function parsePrefix(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\/?(\d{1,2})$/.exec(v.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 8 && n <= 32)) throw new UsageError(`--group-clients ${JSON.stringify(v)}: expected an IPv4 prefix length /8 to /32, e.g. /24`);
  return n;
}

/** A word quoted for a POSIX shell when it needs it (for the commands we print, never run). */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export async function discoverCommand(captures: string[], flags: DiscoverFlags, io: Io, argv: string[] = []): Promise<number> {
  const format = chooseFormat(flags.format, FORMATS, 'text', flags.output);
  checkCaptures(captures);
  const { matrix } = loadPolicy(flags.matrix, undefined, []);
  const as = parseAs(flags.as ?? [], matrix.roles.map((r) => r.name));
  const onlyAs = parseAs(flags.onlyAs ?? [], matrix.roles.map((r) => r.name), '--only-as');
  const prefix = parsePrefix(flags.groupClients);
  if (flags.output !== undefined) checkOutputPath(flags.output);
  // The same entry point and options as audit: stdin '-', gzip, directories, flow logs (+ ssl.log/dns.log beside a conn.log).
  const facts = await analyseFiles(resolveInputs(captures), serverPortsFor(matrix), {
    onNote: (m) => io.stderr(`flowaudit: note: ${m}\n`),
    ...(io.stdin ? { stdin: io.stdin } : {}),
  });
  const unreadable = nothingReadable(facts);
  if (unreadable) {
    for (const m of unreadable) io.stderr(`flowaudit: ${m}\n`);
    return 2;
  }
  const result = runDiscovery(facts, matrix, { as, onlyAs });
  const matrixSpecs = flags.matrix && flags.matrix.length > 0 ? flags.matrix : [DEFAULT_MATRIX];
  const inputs = facts.inputs.map((i) => ({ path: i.path, sha256: i.sha256, packets: i.packets }));
  let text: string;
  if (format === 'json') {
    const file = inventoryFile(
      result,
      { tool: `flowaudit discover ${VERSION}`, generatedAt: generationTime(io.env), commandLine: ['flowaudit', ...argv].map(sh).join(' '), matrix: matrixSpecs, inputs },
      prefix,
    );
    text = `${JSON.stringify(file, null, 2)}\n`;
  } else {
    const m = matrixSpecs.flatMap((s) => ['--matrix', s]);
    const common = [...captures, ...(flags.matrix ? m : [])];
    const extra = [...as.flatMap((a) => ['--as', `${a.role}=${a.member}`]), ...onlyAs.flatMap((a) => ['--only-as', `${a.role}=${a.member}`]), ...(prefix !== undefined ? ['--group-clients', `/${prefix}`] : [])];
    const out = flags.output && flags.output.endsWith('.json') ? flags.output : 'inventory.json';
    text = renderDiscoverText(result, prefix === undefined ? result.members : groupClients(result.members, prefix), {
      matrix: matrixSpecs.join(' + '),
      inputs,
      saveCommand: ['flowaudit', 'discover', ...common, ...extra, '--format', 'json', '--output', out].map(sh).join(' '),
      auditCommand: ['flowaudit', 'audit', ...common, '--inventory', out].map(sh).join(' '),
    });
  }
  if (flags.output === undefined) io.stdout(text);
  else {
    writeOutput(() => io.writeFile(flags.output!, text), flags.output);
    const roles = new Set(result.members.map((m) => m.role)).size;
    const what = format === 'json' ? 'the proposed inventory' : 'the discover summary';
    io.stderr(`flowaudit: wrote ${what} to ${flags.output}: ${plural(result.members.length, 'member')} in ${plural(roles, 'role')}\n`);
  }
  const broken = facts.inputs.filter((i) => i.error);
  for (const i of broken) io.stderr(`flowaudit: ${i.error?.message}\n`);
  return broken.length > 0 ? 2 : 0;
}
