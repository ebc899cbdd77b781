/**
 * `flowaudit watch`'s state file on the command line: where it is (--state FILE; else beside the
 * checkpoint), what became of it at start (resumed, new, made under another policy, unreadable: the
 * watch-started event says it), and when it is written (src/watch/watch_state.ts: after each batch,
 * just before the checkpoint; after a SIGHUP reload; when watch stops).
 *
 * A state made under another policy is moved to FILE.old (a policy put back can use it again by
 * renaming it); an unreadable one to FILE.bad, and watch starts fresh with a line on stderr: a
 * service must come back after a crash (docs/watch.md says why).
 */
import { basename, dirname, resolve } from 'node:path';
import { isoMicros } from '../../audit/time.js';
import { UsageError } from '../../errors.js';
import type { StartedState, WatchCore } from '../../watch/watch_core.js';
import { policyDifference, readState, setAside, writeState } from '../../watch/watch_state.js';

export const DEFAULT_STATE_NAME = '.watch-state.json';
export const DEFAULT_CHECKPOINT_NAME = '.watch-checkpoint.json';

/**
 * --state FILE; else beside the checkpoint: DIR/.watch-state.json for DIR/.watch-checkpoint.json
 * (--report-dir DIR), NAME.state.json for --checkpoint NAME.json (two watches sharing a directory keep
 * two states); null without either (nothing is kept, as nothing is resumed).
 */
export function statePathFor(state: string | undefined, checkpointFile: string | undefined): string | null {
  if (state !== undefined) {
    if (checkpointFile !== undefined && resolve(state) === resolve(checkpointFile)) throw new UsageError(`--state ${state}: the checkpoint's file; give the state a file of its own`);
    return resolve(state);
  }
  if (checkpointFile === undefined) return null;
  const name = basename(checkpointFile);
  if (name === DEFAULT_CHECKPOINT_NAME) return resolve(dirname(checkpointFile), DEFAULT_STATE_NAME);
  return resolve(dirname(checkpointFile), `${name.replace(/\.json$/i, '')}.state.json`);
}

export class WatchStateFile {
  private savedRows = -1;
  /** Nothing is written before the file was read (a SIGHUP before the start must not overwrite it). */
  private loaded = false;

  constructor(
    readonly path: string,
    private readonly core: WatchCore,
    private readonly warn: (line: string) => void,
  ) {}

  /** At start, before any row: resume the state, or say why not (for watch-started). */
  load(): StartedState {
    const file = this.path;
    this.loaded = true;
    const got = readState(file);
    if (got.kind === 'absent') return { note: '', fields: { file, status: 'new' } }; // a first start: nothing to say in the reason
    if (got.kind === 'bad') {
      const kept = setAside(file, 'bad');
      const note = `the learned state in ${file} is unreadable (${got.why}): starting fresh${kept ? `, the file is kept as ${kept}` : ''}`;
      this.warn(note);
      return { note, fields: { file, status: 'unreadable', error: got.why, kept_as: kept } };
    }
    const diff = policyDifference(got.state.policy, this.core.savedPolicy());
    if (diff !== null) {
      const kept = setAside(file, 'old');
      const note = `the learned state in ${file} was made under another policy (${diff}): not used${kept ? `, kept as ${kept}` : ''}; learning afresh`;
      this.warn(note);
      return { note, fields: { file, status: 'policy-changed', difference: diff, kept_as: kept } };
    }
    const n = this.core.resume(got.state);
    const s = got.state;
    return {
      note: `resumed learned state from ${file}: ${plural(n.groups, 'group')}, ${plural(n.rules, 'rule')}`,
      fields: {
        file,
        status: 'resumed',
        groups: n.groups,
        rules: n.rules,
        log_time: s.now === null ? null : isoMicros(s.now),
        learning_ended: s.learning.over ? (s.learning.endedAt === null ? true : isoMicros(s.learning.endedAt)) : false,
      },
    };
  }

  /** Writes the state when rows were taken since the last write (or always: `force`, after a reload or at stop). */
  save(force = false): void {
    if (!this.loaded || (!force && this.core.rows === this.savedRows)) return;
    writeState(this.path, this.core.snapshot());
    this.savedRows = this.core.rows;
  }
}


const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
