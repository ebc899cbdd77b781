/**
 * Parser for Windows Defender Firewall rules exported as JSON by the one-liner in
 * docs/segmentation.md (Get-NetFirewallRule joined with its port and address filters, enums as
 * strings). Windows does not evaluate rules in order: an enabled Block rule that matches wins over
 * any Allow rule, and with no match the profile's default inbound action (Block unless changed)
 * applies. That is modelled exactly as one synthetic chain: all inbound Block rules first (as DROP),
 * then all Allow rules (ACCEPT), policy DROP. Rules keep their Name and DisplayName as text; `number`
 * is the position in that synthetic chain. Profile-specific rules carry `profile X` as an unknown criterion
 * (the active profile is not known), keywords such as `LocalSubnet` or `RPC` likewise: fail safe.
 */
import { InputError } from '../errors.js';
import type { FirewallRule, FirewallRuleset, PortRange, RuleMatch } from './ruleset.js';

type Obj = Record<string, unknown>;
export const WINDOWS_CHAIN = 'Windows inbound (Block rules first)';

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** `255.255.0.0` → 16; null when not a contiguous mask. */
function maskBits(mask: string): number | null {
  const parts = mask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) return null;
  const bits = (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0).toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? bits.indexOf('0') < 0 ? 32 : bits.indexOf('0') : null;
}

function addresses(values: string[], m: RuleMatch): void {
  if (values.length === 0 || values.some((v) => v.toLowerCase() === 'any')) return;
  const cidrs: string[] = [];
  for (const v of values) {
    const [addr, mask] = v.split('/');
    if (/[a-z]/i.test(v) && !v.includes(':')) m.unknown.push(`RemoteAddress ${v}`); // LocalSubnet, DNS, ...
    else if (v.includes('-')) m.unknown.push(`RemoteAddress ${v}`); // ranges: not evaluated yet
    else if (mask?.includes('.')) {
      const bits = maskBits(mask);
      if (bits === null) m.unknown.push(`RemoteAddress ${v}`);
      else cidrs.push(`${addr}/${bits}`);
    } else cidrs.push(v);
  }
  if (cidrs.length > 0 && m.unknown.length === 0) m.src = { value: cidrs, negate: false };
}

function ports(values: string[], m: RuleMatch): void {
  if (values.length === 0 || values.some((v) => v.toLowerCase() === 'any')) return;
  const ranges: PortRange[] = [];
  for (const v of values) {
    const r = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v.toLowerCase() === 'rpcepmap' ? '135' : v); // RPCEPMap: the endpoint mapper, tcp/135
    if (!r) m.unknown.push(`LocalPort ${v}`); // RPC, RPCEPMap, IPHTTPSIn, ...
    else ranges.push({ from: Number(r[1]), to: Number(r[2] ?? r[1]) });
  }
  if (ranges.length > 0) m.dports = { value: ranges, negate: false };
}

function toMatch(r: Obj): RuleMatch {
  const m: RuleMatch = { unknown: [] };
  const proto = String(r.Protocol ?? 'Any').toLowerCase();
  if (proto !== 'any') m.proto = { value: [proto === 'tcp' || proto === '6' ? 'tcp' : proto === 'udp' || proto === '17' ? 'udp' : proto], negate: false };
  ports(list(r.LocalPort), m);
  addresses(list(r.RemoteAddress), m);
  const profile = String(r.Profile ?? 'Any');
  const all = profile === 'Any' || (/Domain/.test(profile) && /Private/.test(profile) && /Public/.test(profile));
  if (!all) m.unknown.push(`profile ${profile}`);
  return m;
}

/** Parses the one-liner's JSON. Throws InputError naming `source` and the rule index when malformed. */
export function parseWindowsFirewallJson(text: string, source: string): FirewallRuleset {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(`${source}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const items = Array.isArray(doc) ? doc : [doc]; // ConvertTo-Json writes one rule as a bare object
  const block: FirewallRule[] = [];
  const allow: FirewallRule[] = [];
  items.forEach((it, i) => {
    if (typeof it !== 'object' || it === null || typeof (it as Obj).Name !== 'string') throw new InputError(`${source}: rule ${i + 1} has no Name (is this the Get-NetFirewallRule export?)`);
    const r = it as Obj;
    if (String(r.Enabled) !== 'True' || String(r.Direction) !== 'Inbound') return;
    const action = String(r.Action);
    if (action !== 'Allow' && action !== 'Block') return;
    const rule: FirewallRule = {
      chain: WINDOWS_CHAIN, number: i + 1, line: 0, text: `${String(r.DisplayName ?? r.Name)} [${String(r.Name)}] ${action}`,
      match: toMatch(r), target: { kind: 'verdict', verdict: action === 'Block' ? 'DROP' : 'ACCEPT' },
    };
    (action === 'Block' ? block : allow).push(rule);
  });
  // Within each group order does not matter to Windows; rules with criteria flowaudit cannot decide
  // go after the definite ones so that they only make a query inconclusive when nothing else decides.
  const definiteFirst = (a: FirewallRule, b: FirewallRule) => Number(a.match.unknown.length > 0) - Number(b.match.unknown.length > 0);
  const rules = [...block.sort(definiteFirst), ...allow.sort(definiteFirst)];
  rules.forEach((r, i) => (r.number = i + 1));
  const chain = { name: WINDOWS_CHAIN, policy: 'DROP' as const, line: 0, rules };
  return { format: 'windows-json', source, chains: new Map([[WINDOWS_CHAIN, chain]]), inputChains: [WINDOWS_CHAIN], skippedTables: [] };
}
