/**
 * Parser for `nft -j list ruleset` (libnftables JSON schema, libnftables-json(5)): tables, sets,
 * chains (base chains with hook and policy), rules with payload/meta/ct matches and verdicts.
 * Base chains with hook `input` in families ip, ip6 and inet are the inbound path, by priority.
 * Rules carry no file line: `line` is 0, `handle` is nft's handle and `text` is the rule rendered
 * back in nft syntax. Criteria flowaudit does not evaluate are kept in `match.unknown` (fail safe).
 * Hand-written over JSON.parse: no maintained npm library reads this schema.
 * The file is attacker-controlled: nothing from it is executed or passed to a shell.
 */
import { InputError } from '../errors.js';
import type { FirewallChain, FirewallRule, FirewallRuleset, PortRange, RuleMatch, RuleTarget, Verdict } from './ruleset.js';

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const INPUT_FAMILIES = new Set(['ip', 'ip6', 'inet']);
const VERDICT_OF: Record<string, Verdict> = { accept: 'ACCEPT', drop: 'DROP', reject: 'REJECT' };
/** Statements that neither match nor decide. */
const PASSIVE = new Set(['counter', 'log', 'notrack']);

/** One right-hand value rendered in nft syntax. */
function show(v: Json): string {
  if (isObj(v)) {
    if (isObj(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
    if (Array.isArray(v.range)) return `${show(v.range[0])}-${show(v.range[1])}`;
    if (Array.isArray(v.set)) return `{ ${v.set.map(show).join(', ')} }`;
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return v.map(show).join(',');
  return String(v);
}

function leftName(l: Json): string {
  if (isObj(l) && isObj(l.payload)) return `${String(l.payload.protocol)} ${String(l.payload.field)}`;
  if (isObj(l) && isObj(l.meta)) return `meta ${String(l.meta.key)}`;
  if (isObj(l) && isObj(l.ct)) return `ct ${String(l.ct.key)}`;
  return JSON.stringify(l);
}

/** A right-hand value as a flat list of elements; a `@set` reference is looked up. */
function elements(v: Json, sets: Map<string, Json[]>, table: string): Json[] | null {
  if (typeof v === 'string' && v.startsWith('@')) return sets.get(`${table}/${v.slice(1)}`) ?? null;
  if (isObj(v) && Array.isArray(v.set)) return v.set;
  if (Array.isArray(v)) return v;
  return [v];
}

function asCidr(e: Json): string | null {
  if (typeof e === 'string') return e;
  if (isObj(e) && isObj(e.prefix)) return `${String(e.prefix.addr)}/${String(e.prefix.len)}`;
  return null; // address ranges are not evaluated yet
}

function asPorts(e: Json): PortRange | null {
  if (typeof e === 'number') return { from: e, to: e };
  if (isObj(e) && Array.isArray(e.range) && typeof e.range[0] === 'number' && typeof e.range[1] === 'number') return { from: e.range[0], to: e.range[1] };
  return null;
}

function mapAll<T>(list: Json[] | null, f: (e: Json) => T | null): T[] | null {
  if (!list) return null;
  const out: T[] = [];
  for (const e of list) {
    const t = f(e);
    if (t === null) return null;
    out.push(t);
  }
  return out;
}

/** Applies one `match` expression to the rule's criteria; false when it is not understood. */
function applyMatch(mt: Obj, m: RuleMatch, sets: Map<string, Json[]>, table: string): boolean {
  const op = mt.op;
  if (op !== '==' && op !== '!=' && op !== 'in') return false;
  const negate = op === '!=';
  const name = leftName(mt.left);
  const els = elements(mt.right, sets, table);
  const strs = mapAll(els, (e) => (typeof e === 'string' || typeof e === 'number' ? String(e) : null));
  switch (name) {
    case 'ip saddr': case 'ip6 saddr': case 'ip daddr': case 'ip6 daddr': {
      const cidrs = mapAll(els, asCidr);
      const key = name.endsWith('saddr') ? 'src' : 'dst';
      if (!cidrs || m[key]) return false;
      m[key] = { value: cidrs, negate };
      return true;
    }
    case 'tcp dport': case 'udp dport': {
      const ports = mapAll(els, asPorts);
      if (!ports || m.dports) return false;
      m.dports = { value: ports, negate };
      return setProto(m, [name.slice(0, 3)], false);
    }
    case 'meta l4proto': case 'ip protocol': case 'ip6 nexthdr':
      return strs !== null && setProto(m, strs, negate);
    case 'meta iif': case 'meta iifname':
      if (!strs || strs.length !== 1 || m.inIface) return false;
      m.inIface = { value: strs[0]!.replace(/\*$/, '+'), negate };
      return true;
    case 'ct state':
      if (!strs || m.ctState) return false;
      m.ctState = { value: strs.map((s) => s.toUpperCase()), negate };
      return true;
    default:
      return false;
  }
}

/** Sets the protocol criterion; a second, different one (`meta l4proto udp tcp dport 22`) is not merged. */
function setProto(m: RuleMatch, protos: string[], negate: boolean): boolean {
  if (m.proto) return !negate && !m.proto.negate && protos.length === 1 && m.proto.value.length === 1 && m.proto.value[0] === protos[0];
  m.proto = { value: protos, negate };
  return true;
}

function statementTarget(key: string, val: Json): RuleTarget | null {
  if (VERDICT_OF[key]) return { kind: 'verdict', verdict: VERDICT_OF[key]! };
  if (key === 'return') return { kind: 'return' };
  if ((key === 'jump' || key === 'goto') && isObj(val) && typeof val.target === 'string') return { kind: key, chain: val.target };
  return null;
}

/** One statement into criteria, target or text; returns its nft text. */
function applyStatement(st: Json, parts: { match: RuleMatch; target: RuleTarget }, sets: Map<string, Json[]>, table: string): string {
  if (!isObj(st)) throw new Error('a rule statement is not an object');
  const key = Object.keys(st)[0] ?? '';
  const val = st[key];
  if (key === 'match' && isObj(val)) {
    const text = `${leftName(val.left)} ${val.op === '==' || val.op === 'in' ? '' : `${String(val.op)} `}${show(val.right)}`;
    if (!applyMatch(val, parts.match, sets, table)) parts.match.unknown.push(text);
    return text;
  }
  const t = statementTarget(key, val);
  if (t) {
    parts.target = t;
    return t.kind === 'jump' || t.kind === 'goto' ? `${key} ${t.chain}` : key;
  }
  if (PASSIVE.has(key)) return key;
  parts.match.unknown.push(`${key} ${JSON.stringify(val)}`);
  return key;
}

function toRule(r: Obj, chain: FirewallChain, sets: Map<string, Json[]>, table: string): FirewallRule {
  if (!Array.isArray(r.expr)) throw new Error(`rule in chain '${chain.name}' has no expr list`);
  const parts: { match: RuleMatch; target: RuleTarget } = { match: { unknown: [] }, target: { kind: 'none' } };
  const words = r.expr.map((st) => applyStatement(st, parts, sets, table));
  if (typeof r.comment === 'string') words.push(`comment ${JSON.stringify(r.comment)}`);
  const handle = typeof r.handle === 'number' ? r.handle : undefined;
  // The handle is its own field (reports name the rule `handle N: …`), not repeated in the text.
  const text = words.join(' ');
  const rule: FirewallRule = { chain: chain.name, number: chain.rules.length + 1, line: 0, text, ...parts };
  if (handle !== undefined) rule.handle = handle;
  if (typeof r.comment === 'string') rule.comment = r.comment;
  return rule;
}

interface Collected {
  chains: Map<string, FirewallChain>;
  sets: Map<string, Json[]>;
  inputs: { name: string; prio: number }[];
}

/** Chains are keyed `family table/chain` (`inet filter/input`) so tables cannot collide. */
const chainKey = (o: Obj, name: Json): string => `${String(o.family)} ${String(o.table)}/${String(name)}`;

function collect(items: Json[], c: Collected): void {
  for (const item of items) {
    if (!isObj(item)) continue;
    if (isObj(item.set) && Array.isArray(item.set.elem)) {
      c.sets.set(`${String(item.set.family)} ${String(item.set.table)}/${String(item.set.name)}`, item.set.elem);
    } else if (isObj(item.chain)) {
      const ch = item.chain;
      const key = chainKey(ch, ch.name);
      const policy = typeof ch.policy === 'string' ? (VERDICT_OF[ch.policy] ?? null) : null;
      c.chains.set(key, { name: key, policy: ch.hook ? (policy ?? 'ACCEPT') : null, line: 0, family: String(ch.family), rules: [] });
      if (ch.hook === 'input' && ch.type === 'filter' && INPUT_FAMILIES.has(String(ch.family))) c.inputs.push({ name: key, prio: Number(ch.prio ?? 0) });
    }
  }
}

function addRules(items: Json[], c: Collected): void {
  for (const item of items) {
    if (!isObj(item) || !isObj(item.rule)) continue;
    const r = item.rule;
    const chain = c.chains.get(chainKey(r, r.chain));
    if (!chain) throw new Error(`rule for undeclared chain '${chainKey(r, r.chain)}'`);
    const rule = toRule(r, chain, c.sets, `${String(r.family)} ${String(r.table)}`);
    const t = rule.target;
    if (t.kind === 'jump' || t.kind === 'goto') t.chain = chainKey(r, t.chain);
    chain.rules.push(rule);
  }
}

/** Parses `nft -j list ruleset` text. Throws InputError naming `source` on malformed input. */
export function parseNftJson(text: string, source: string): FirewallRuleset {
  let doc: Json;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new InputError(`${source}: no "nftables" array (is this nft -j list ruleset output?)`);
  const c: Collected = { chains: new Map(), sets: new Map(), inputs: [] };
  try {
    collect(doc.nftables, c);
    addRules(doc.nftables, c);
  } catch (e) {
    throw new InputError(`${source}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const inputChains = c.inputs.sort((a, b) => a.prio - b.prio).map((i) => i.name);
  return { format: 'nft-json', source, chains: c.chains, inputChains, skippedTables: [] };
}
