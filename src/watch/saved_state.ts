/**
 * The shapes of what a watch keeps across a restart (the state file, watch_state.ts): plain JSON,
 * compact (a member or a group is one array or a flat object), with the times in µs of log time and
 * "never" (-Infinity, NaN) as null. RuleWatch and UnexpectedWatch turn their state into these and
 * back; watch_state.ts checks a file against them before anything is restored.
 */
import type { Group } from './unexpected_watch.js';

/** A time (µs) or null for never. */
export type SavedTime = number | null;

/** [server address, lastAttempt, lastSuccess, streak, firstFailure, failing] */
export type SavedMember = [string, SavedTime, SavedTime, number, SavedTime, boolean];

export interface SavedRule {
  lastAttempt: SavedTime;
  lastSuccess: SavedTime;
  /** The gap ring as it stands (slot i is gap ring[i]; at most GAPS). */
  gaps: number[];
  gapCount: number;
  learned: number | null;
  quiet: boolean;
  untrackedMembers: number;
  members: SavedMember[];
}

/** A group of unexpected flows as watch keeps it (unexpected_watch.ts), saved as is. */
export type SavedGroup = Group;

export interface SavedGroups {
  /** Groups folded per server ('clients' folds made). */
  folded: number;
  /** Port groups per "client|server|protocol". */
  pairPorts: [string, number][];
  list: SavedGroup[];
}

export const toSaved = (t: number): SavedTime => (Number.isFinite(t) ? t : null);
export const fromSaved = (t: SavedTime, never: number): number => (t === null ? never : t);
