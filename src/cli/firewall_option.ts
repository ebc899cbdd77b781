/**
 * `--firewall HOST=FILE` (issue 21, repeatable): HOST is an inventory address or the name of a
 * member (inventory `names` or a member's `name`); FILE an iptables-save, nft -j or Windows
 * Firewall JSON export. Read once, hashed (the report records name, sha256 and format; verify
 * re-hashes) and parsed; a bad file is an InputError naming the file and line (exit 2).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { FirewallHostInput } from '../audit/firewall_findings.js';
import { InputError, UsageError, messageOf } from '../errors.js';
import { parseFirewall } from '../firewall/load_firewall.js';
import { addressWords } from '../matrix/inventory.js';
import { formatAddress } from '../ip_text.js';
import type { Inventory } from '../matrix/types.js';

/** A host firewall export is kilobytes to a few megabytes; a larger file is refused rather than read whole. */
export const MAX_FIREWALL_BYTES = 64 * 1024 * 1024;

export interface FirewallSpec {
  host: string;
  path: string;
}

export function parseFirewallSpec(value: string): FirewallSpec {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new UsageError(`--firewall ${JSON.stringify(value)}: expected HOST=FILE (HOST an inventory address or member name)`);
  return { host: value.slice(0, eq), path: value.slice(eq + 1) };
}

/** The single address of the inventory member named or written `host`. */
export function resolveFirewallHost(host: string, inventory: Inventory): string {
  const found = new Set<string>();
  for (const role of inventory.roles) {
    for (const m of role.members) {
      if (m.kind !== 'ipv4' && m.kind !== 'ipv6') continue;
      const label = m.name ?? inventory.nameForAddress?.(addressWords(m.text));
      // The address as connections print it (canonical), so observed flows to it are found.
      if (m.text === host || label === host) found.add(formatAddress(addressWords(m.text)));
    }
  }
  if (found.size === 1) return [...found][0]!;
  if (found.size > 1) throw new UsageError(`--firewall ${host}=…: the name matches several inventory addresses (${[...found].join(', ')}); give the address`);
  throw new UsageError(`--firewall ${host}=…: ${host} is neither an address nor a member name of the inventory (${inventory.origin}); a host firewall is checked for an inventory host`);
}

/** Reads, hashes and parses one firewall file for `host`. */
export function loadFirewallFile(host: string, address: string, path: string, recordedPath = path): FirewallHostInput {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > MAX_FIREWALL_BYTES) throw new InputError(`${path}: ${size} bytes; a firewall file over ${MAX_FIREWALL_BYTES / 1024 / 1024} MiB is not read (is this a firewall export?)`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${path}: cannot read firewall file: ${messageOf(e)}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const parsed = parseFirewall(bytes.toString('utf8'), path); // a parse error names the file read
  const ruleset = { ...parsed, source: recordedPath }; // the report (and its reasons) name the file as recorded
  return { host, address, file: { path: recordedPath, sha256 }, ruleset };
}

/** Every `--firewall HOST=FILE`, resolved and read; one host given twice is a usage error. */
export function loadFirewalls(values: readonly string[] | undefined, inventory: Inventory): FirewallHostInput[] {
  const out: FirewallHostInput[] = [];
  for (const v of values ?? []) {
    const spec = parseFirewallSpec(v);
    const address = resolveFirewallHost(spec.host, inventory);
    const twice = out.find((h) => h.address === address);
    if (twice) throw new UsageError(`--firewall: ${address} is given twice (${twice.file.path} and ${spec.path}); give one file per host`);
    out.push(loadFirewallFile(spec.host, address, spec.path));
  }
  return out;
}
