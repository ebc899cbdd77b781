/**
 * docs/watch.md stays true to the code: every event.action watch can write is in its table (and
 * used in src/watch), and the page's defaults are the code's (quiet floor and factor, fail run,
 * group budgets, tuples remembered).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WATCH_ACTIONS } from '../../src/watch/events.js';
import { FAIL_AFTER, QUIET_FACTOR, QUIET_FLOOR_US } from '../../src/watch/rule_watch.js';
import { MAX_GROUPS, PORTS_PER_PAIR } from '../../src/watch/unexpected_watch.js';
import { MAX_TUPLES } from '../../src/watch/watch_core.js';
import { STATE_VERSION } from '../../src/watch/watch_state.js';
import { DEFAULT_STATE_NAME } from '../../src/cli/watch/watch_state_file.js';

const doc = readFileSync('docs/watch.md', 'utf8');
const src = readdirSync('src/watch')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(`src/watch/${f}`, 'utf8'))
  .join('\n');

describe('docs/watch.md', () => {
  it.each(WATCH_ACTIONS)('names the action %s, which src/watch writes', (a) => {
    expect(doc).toContain(`\`${a}\``);
    expect(src.split(`'${a}'`).length).toBeGreaterThan(2); // the list, and where it is written
  });

  it('gives the code\'s defaults', () => {
    expect(doc).toContain(`${QUIET_FACTOR} × the interval learned`);
    expect(doc).toContain(`at least ${QUIET_FLOOR_US / 60e6} minutes`);
    expect(doc).toContain(`${FAIL_AFTER} attempts in a row`);
    expect(doc).toContain(`gets ${PORTS_PER_PAIR} groups`);
    expect(doc).toContain(`beyond ${MAX_GROUPS.toLocaleString('en')} groups`);
    expect(doc).toContain(`at most ${MAX_TUPLES.toLocaleString('en')}, then it starts afresh`);
  });

  it.each(['new', 'resumed', 'policy-changed', 'unreadable'])('names the state file status %s, which watch writes', (status) => {
    expect(doc).toContain(`\`${status}\``);
    expect(readFileSync('src/cli/watch/watch_state_file.ts', 'utf8')).toContain(`status: '${status}'`);
  });

  it('names the state file as the code does', () => {
    expect(doc).toContain(`DIR/${DEFAULT_STATE_NAME}`);
    expect(doc).toContain(`flowauditWatchState: ${STATE_VERSION}`);
    expect(doc).toContain('[--state FILE]');
    expect(doc).not.toContain('is not kept across a restart');
  });
});
