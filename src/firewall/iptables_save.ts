/**
 * Parser for `iptables-save` / `ip6tables-save` output: the filter table only (other tables are
 * listed in `skippedTables`). Chains with their policies, `-A CHAIN` rules in file order, the
 * criteria in RuleMatch, targets ACCEPT/DROP/REJECT/RETURN, jumps (-j) and gotos (-g) to user
 * chains. Anything else a rule says is kept verbatim in `match.unknown`.
 * Hand-written: no maintained npm library parses iptables-save; the format is line-based and small.
 * The file is attacker-controlled text: nothing from it is executed or passed to a shell.
 */
import { InputError } from '../errors.js';
import type { FirewallChain, FirewallRule, FirewallRuleset, PortRange, RuleMatch, RuleTarget, Verdict } from './ruleset.js';

const VERDICTS = new Set(['ACCEPT', 'DROP', 'REJECT']);
/** Targets that do not end the walk through the chain. */
const NON_TERMINATING = new Set(['LOG', 'NFLOG', 'ULOG', 'AUDIT', 'NFQUEUE_BYPASS', 'TRACE']);
/** Matches that add nothing beyond options parsed elsewhere. */
const PLAIN_MODULES = new Set(['tcp', 'udp', 'multiport', 'state', 'conntrack', 'comment']);

/** Split one line into words, honouring the double quotes iptables-save writes around comments. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < text.length) cur += text[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quoted) throw new Error('unterminated quote');
  if (inWord) words.push(cur);
  return words;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new Error(`bad port '${text}'`);
  const n = Number(text);
  if (n > 65535) throw new Error(`bad port '${text}'`);
  return n;
}

/** `22`, `8000:8080`, `:1023`, `1024:`, and comma lists of those (multiport). */
export function parsePortList(text: string): PortRange[] {
  return text.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon < 0) {
      const p = parsePort(part);
      return { from: p, to: p };
    }
    const from = colon === 0 ? 0 : parsePort(part.slice(0, colon));
    const to = colon === part.length - 1 ? 65535 : parsePort(part.slice(colon + 1));
    if (from > to) throw new Error(`bad port range '${part}'`);
    return { from, to };
  });
}

function parseTarget(name: string, kind: 'jump' | 'goto'): RuleTarget {
  if (kind === 'goto') return { kind: 'goto', chain: name };
  if (VERDICTS.has(name)) return { kind: 'verdict', verdict: name as Verdict };
  if (name === 'RETURN') return { kind: 'return' };
  if (NON_TERMINATING.has(name)) return { kind: 'continue', name };
  // A user chain if declared; decided once the whole table is read (resolveTargets).
  return { kind: 'jump', chain: name };
}

interface RuleParts {
  match: RuleMatch;
  target: RuleTarget;
  comment?: string;
}

/** Consume the value after option words[i]; throws when missing. */
function valueAt(words: string[], i: number): string {
  const v = words[i + 1];
  if (v === undefined || v === '!') throw new Error(`${words[i]} needs a value`);
  return v;
}

/** The words of one rule after `-A CHAIN`, into criteria and target. */
export function parseRuleWords(words: string[]): RuleParts {
  const match: RuleMatch = { unknown: [] };
  const parts: RuleParts = { match, target: { kind: 'none' } };
  let negate = false;
  let afterTarget = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') {
      negate = true;
      continue;
    }
    const n = negate;
    negate = false;
    if (afterTarget && w.startsWith('--')) {
      i += optionArgs(words, i); // target options (--reject-with, --log-prefix): no effect on the verdict
      continue;
    }
    i += applyOption(words, i, n, parts, () => (afterTarget = true));
  }
  return parts;
}

/** Number of value words after option words[i] (until the next option or `!`). */
function optionArgs(words: string[], i: number): number {
  let k = 0;
  while (i + 1 + k < words.length && !words[i + 1 + k]!.startsWith('-') && words[i + 1 + k] !== '!') k++;
  return k;
}

/** Applies words[i] (and its value) to parts; returns how many value words it consumed. */
function applyOption(words: string[], i: number, negate: boolean, parts: RuleParts, onTarget: () => void): number {
  const w = words[i]!;
  const m = parts.match;
  switch (w) {
    case '-s': case '--source': m.src = { value: [valueAt(words, i)], negate }; return 1;
    case '-d': case '--destination': m.dst = { value: [valueAt(words, i)], negate }; return 1;
    case '-p': case '--protocol': m.proto = { value: [valueAt(words, i).toLowerCase()], negate }; return 1;
    case '-i': case '--in-interface': m.inIface = { value: valueAt(words, i), negate }; return 1;
    case '--dport': case '--destination-port': case '--dports': case '--destination-ports':
      m.dports = { value: parsePortList(valueAt(words, i)), negate }; return 1;
    case '--state': case '--ctstate':
      m.ctState = { value: valueAt(words, i).toUpperCase().split(','), negate }; return 1;
    case '--comment': parts.comment = valueAt(words, i); return 1;
    case '-m': case '--match': {
      const mod = valueAt(words, i);
      if (!PLAIN_MODULES.has(mod)) m.unknown.push(`-m ${mod}`);
      return 1;
    }
    case '-j': case '--jump': case '-g': case '--goto':
      parts.target = parseTarget(valueAt(words, i), w === '-g' || w === '--goto' ? 'goto' : 'jump');
      onTarget();
      return 1;
    default: {
      const k = optionArgs(words, i);
      m.unknown.push([negate ? '!' : '', w, ...words.slice(i + 1, i + 1 + k)].filter(Boolean).join(' '));
      return k;
    }
  }
}

interface TableState {
  chains: Map<string, FirewallChain>;
}

function declareChain(t: TableState, words: string[], line: number): void {
  const name = words[0]!.slice(1);
  const policy = words[1];
  if (!name || policy === undefined) throw new Error('chain declaration needs a name and a policy');
  if (policy !== '-' && !VERDICTS.has(policy)) throw new Error(`unknown chain policy '${policy}'`);
  t.chains.set(name, { name, policy: policy === '-' ? null : (policy as Verdict), line, rules: [] });
}

function addRule(t: TableState, text: string, words: string[], line: number): void {
  // `iptables-save -c` puts packet:byte counters first: `[12:345] -A INPUT ...`.
  const w = /^\[\d+:\d+\]$/.test(words[0] ?? '') ? words.slice(1) : words;
  if (w[0] !== '-A' && w[0] !== '--append') throw new Error(`expected '-A CHAIN', got '${w[0]}'`);
  const chain = t.chains.get(w[1] ?? '');
  if (!chain) throw new Error(`rule for undeclared chain '${w[1] ?? ''}'`);
  const parts = parseRuleWords(w.slice(2));
  const rule: FirewallRule = { chain: chain.name, number: chain.rules.length + 1, line, text, ...parts };
  chain.rules.push(rule);
}

/** Jump targets that are not user chains of the table become `unknown` targets. */
function resolveTargets(t: TableState): void {
  for (const chain of t.chains.values()) {
    for (const rule of chain.rules) {
      const tg = rule.target;
      if ((tg.kind === 'jump' || tg.kind === 'goto') && !t.chains.has(tg.chain)) {
        rule.target = { kind: 'unknown', name: tg.chain };
      }
    }
  }
}

/** Parses iptables-save text. Throws InputError naming `source` and the line on malformed input. */
export function parseIptablesSave(text: string, source: string): FirewallRuleset {
  const lines = text.split(/\r?\n/);
  const skipped: string[] = [];
  let table: string | null = null;
  let filter: TableState | null = null;
  let cur: TableState | null = null;
  for (let idx = 0; idx < lines.length; idx++) {
    const raw = lines[idx]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    try {
      if (raw.startsWith('*')) {
        if (table !== null) throw new Error(`table '${raw.slice(1)}' starts before COMMIT of '${table}'`);
        table = raw.slice(1);
        cur = table === 'filter' ? (filter = { chains: new Map() }) : null;
        if (table !== 'filter') skipped.push(table);
      } else if (raw === 'COMMIT') {
        if (table === null) throw new Error('COMMIT outside a table');
        table = null;
        cur = null;
      } else if (table === null) {
        throw new Error('line outside a table (expected *filter)');
      } else if (cur !== null) {
        const words = splitWords(raw);
        if (raw.startsWith(':')) declareChain(cur, words, idx + 1);
        else addRule(cur, raw, words, idx + 1);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`${source}:${idx + 1}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (table !== null) throw new InputError(`${source}: table '${table}' has no COMMIT`);
  if (!filter) throw new InputError(`${source}: no *filter table (is this iptables-save output?)`);
  if (!filter.chains.has('INPUT')) throw new InputError(`${source}: the filter table has no INPUT chain`);
  resolveTargets(filter);
  return { format: 'iptables-save', source, chains: filter.chains, inputChains: ['INPUT'], skippedTables: skipped, addressFamily: familyOf(text, filter.chains) };
}

/** ip6tables-save output says so in its header, or names IPv6 addresses; otherwise it is iptables-save (IPv4). */
function familyOf(text: string, chains: Map<string, FirewallChain>): 'ipv4' | 'ipv6' {
  if (/^# Generated by ip6tables-save/m.test(text)) return 'ipv6';
  for (const c of chains.values()) for (const r of c.rules) if ([...(r.match.src?.value ?? []), ...(r.match.dst?.value ?? [])].some((a) => a.includes(':'))) return 'ipv6';
  return 'ipv4';
}
