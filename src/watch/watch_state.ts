/**
 * The watch state file: what a watch has learned, kept across a restart (docs/watch.md, "A watch
 * that is restarted"). Written atomically (a temporary file beside it, then rename) when the
 * follower's checkpoint advances, just before it, so the two never disagree by more than a batch;
 * read once at start.
 *
 * Contents (saved_state.ts): the policy it was learned under (matrix and inventory SHA-256, the
 * features, the scope), the log time reached, the learning period (its end, whether it is over), the
 * unexpected groups (UnexpectedWatch, bounded as in memory) and each watched rule's state (RuleWatch:
 * last attempt and success, the gap ring and count, the learned interval, quiet, per member).
 *
 * A file that is not one (truncated by a crash, edited by hand) is `bad`: watch then starts fresh and
 * says so (a service must come back after a crash; losing what was learned costs one alert per group
 * and a learning period, refusing to start costs the whole watch). Checked field by field before
 * anything is restored, with the same bounds as the live state: a small hand-written check rather
 * than a schema library (none is in the stack; the shapes are few and fixed).
 */
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';
import { removeStaleTemps, writeAtomic } from './follow/atomic_file.js';
import type { PolicyHashes } from './policy.js';
import { GAPS, MAX_MEMBERS } from './rule_watch.js';
import type { SavedGroup, SavedGroups, SavedRule, SavedTime } from './saved_state.js';
import { MAX_GROUPS } from './unexpected_watch.js';

export const STATE_VERSION = 1;
/**
 * Read whole, so capped: the bounds give a few MB in practice (5,000 groups of about 1 KB, 10,000
 * members of about 60 bytes per watched rule); a state past this would not fit watch's memory budget
 * either, and a file this large is set aside as bad rather than parsed.
 */
export const MAX_STATE_BYTES = 64 << 20;
const MAX_RULES = 10_000;

export interface SavedPolicy extends PolicyHashes {
  features: string[];
  scope: 'inventory' | 'all';
}

export interface WatchState {
  flowauditWatchState: number;
  policy: SavedPolicy;
  /** Log time reached (µs), null before any row. */
  now: SavedTime;
  /** until: the end of a learning period under way; over: --learn ended at endedAt (never learned again). */
  learning: { until: SavedTime; over: boolean; endedAt: SavedTime };
  groups: SavedGroups;
  rules: Record<string, SavedRule>;
}

export type StateLoad = { kind: 'absent' } | { kind: 'ok'; state: WatchState } | { kind: 'bad'; why: string };

/** Reads the state file: absent, ok, or bad (why, for the one line watch says). Never throws. */
export function readState(path: string): StateLoad {
  removeStaleTemps(path);
  if (!existsSync(path)) return { kind: 'absent' };
  let data: unknown;
  try {
    const size = statSync(path).size;
    if (size > MAX_STATE_BYTES) return { kind: 'bad', why: `${size} bytes, more than a watch state can be (${MAX_STATE_BYTES})` };
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { kind: 'bad', why: messageOf(e) };
  }
  const why = stateProblem(data);
  return why === null ? { kind: 'ok', state: data as WatchState } : { kind: 'bad', why };
}

/** Writes the state atomically (write beside, then rename over). A failure is an InputError naming the file. */
export function writeState(path: string, state: WatchState): void {
  try {
    writeAtomic(path, `${JSON.stringify(state)}\n`);
  } catch (e) {
    throw new InputError(`${path}: cannot write the watch state: ${messageOf(e)}`);
  }
}

/** Moves a state file that is not used aside (FILE.old, FILE.bad; replacing an older one). Returns the new name, or null when it could not be moved. */
export function setAside(path: string, suffix: 'old' | 'bad'): string | null {
  try {
    renameSync(path, `${path}.${suffix}`);
    return `${path}.${suffix}`;
  } catch {
    return null;
  }
}

/** How the policy of a saved state differs from the one in force, or null when it is the same. */
export function policyDifference(saved: SavedPolicy, now: SavedPolicy): string | null {
  const diffs: string[] = [];
  const short = (h: string | null): string => (h === null ? '(none)' : h.slice(0, 12));
  if (saved.matrix.sha256 !== now.matrix.sha256) diffs.push(`matrix sha256 ${short(saved.matrix.sha256)}… → ${short(now.matrix.sha256)}…`);
  if (saved.inventory.sha256 !== now.inventory.sha256) diffs.push(`inventory sha256 ${short(saved.inventory.sha256)}… → ${short(now.inventory.sha256)}…`);
  if (saved.features.join(',') !== now.features.join(',')) diffs.push(`features ${saved.features.join(',') || '(none)'} → ${now.features.join(',') || '(none)'}`);
  if (saved.scope !== now.scope) diffs.push(`scope ${saved.scope} → ${now.scope}`);
  return diffs.length === 0 ? null : diffs.join(', ');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): boolean => v === null || isNum(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrs = (v: unknown): boolean => Array.isArray(v) && v.every(isStr);

/** What is wrong with a parsed state file (the first thing found), or null. */
export function stateProblem(d: unknown): string | null {
  if (!isObj(d) || d.flowauditWatchState !== STATE_VERSION) return `not a flowaudit watch state (version ${STATE_VERSION})`;
  const p = d.policy;
  if (!isObj(p) || !isObj(p.matrix) || !isStr(p.matrix.sha256) || !isObj(p.inventory) || !(p.inventory.sha256 === null || isStr(p.inventory.sha256)) || !isStrs(p.features) || (p.scope !== 'inventory' && p.scope !== 'all')) return 'policy: not matrix, inventory, features and scope';
  if (!isTime(d.now)) return 'now: not a time';
  const l = d.learning;
  if (!isObj(l) || !isTime(l.until) || typeof l.over !== 'boolean' || !isTime(l.endedAt)) return 'learning: not { until, over, endedAt }';
  return groupsProblem(d.groups) ?? rulesProblem(d.rules);
}

function groupsProblem(g: unknown): string | null {
  if (!isObj(g) || !isCount(g.folded) || !Array.isArray(g.pairPorts) || !Array.isArray(g.list)) return 'groups: not { folded, pairPorts, list }';
  if (g.list.length > 2 * MAX_GROUPS + 1 || g.pairPorts.length > MAX_GROUPS) return `groups: more than watch keeps (${g.list.length} groups)`;
  if (!g.pairPorts.every((e) => Array.isArray(e) && e.length === 2 && isStr(e[0]) && isCount(e[1]))) return 'groups.pairPorts: not [pair, count] entries';
  const i = g.list.findIndex((x) => !validGroup(x));
  return i < 0 ? null : `groups.list[${i}]: not a group`;
}

function validGroup(v: unknown): v is SavedGroup {
  if (!isObj(v) || !isObj(v.k) || !isObj(v.sample)) return false;
  const k = v.k;
  const s = v.sample;
  return (
    isStr(k.key) && isStr(k.client) && isStrs(k.clientRoles) && isStr(k.server) && isStrs(k.serverRoles) && isStr(k.protocol) && Number.isSafeInteger(k.port) && isStrs(k.expected) &&
    isNum(v.first) && isNum(v.last) && isCount(v.connections) && isCount(v.answered) && isCount(v.reported) && isNum(v.lastEventAt) && typeof v.baseline === 'boolean' &&
    (v.folded === 'none' || v.folded === 'ports' || v.folded === 'clients' || v.folded === 'all') &&
    isStr(s.client) && isNum(s.clientPort) && isStr(s.server) && isStr(s.protocol) && isNum(s.port) && (s.communityId === null || isStr(s.communityId))
  );
}

function rulesProblem(r: unknown): string | null {
  if (!isObj(r)) return 'rules: not an object';
  const entries = Object.entries(r);
  if (entries.length > MAX_RULES) return `rules: more than ${MAX_RULES}`;
  for (const [id, v] of entries) if (!validRule(v)) return `rules.${id}: not a rule's state`;
  return null;
}

function validRule(v: unknown): v is SavedRule {
  if (!isObj(v) || !Array.isArray(v.gaps) || !Array.isArray(v.members)) return false;
  return (
    isTime(v.lastAttempt) && isTime(v.lastSuccess) && v.gaps.length <= GAPS && v.gaps.every(isNum) && isCount(v.gapCount) && v.gaps.length === Math.min(v.gapCount as number, GAPS) &&
    (v.learned === null || isNum(v.learned)) && typeof v.quiet === 'boolean' && isCount(v.untrackedMembers) && v.members.length <= MAX_MEMBERS &&
    v.members.every((m) => Array.isArray(m) && m.length === 6 && isStr(m[0]) && isTime(m[1]) && isTime(m[2]) && isCount(m[3]) && isTime(m[4]) && typeof m[5] === 'boolean')
  );
}
