/**
 * docs/watch.md "Watching an interface" stays true to the code: the options `watch --help` lists
 * for -i, and the spool's timings and bounds (tick, close grace, idle default, rotated files kept).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLOSE_GRACE_US, KEEP_ROTATED, SPOOL_NAME, TICK_MS } from '../../src/cli/watch/live_spool.js';
import { DEFAULT_IDLE } from '../../src/cli/watch/watch_live.js';
import { runCli } from '../support/run_cli.js';

const doc = readFileSync('docs/watch.md', 'utf8');
const section = doc.slice(doc.indexOf('## Watching an interface'), doc.indexOf('## Where events go'));

describe('docs/watch.md: Watching an interface', () => {
  it('gives the spool its code values', () => {
    expect(section.length).toBeGreaterThan(1000);
    expect(section).toContain(`written every ${TICK_MS} ms`);
    expect(CLOSE_GRACE_US).toBe(500_000);
    expect(section).toContain('nothing more for half a second');
    expect(section).toContain(`(default ${DEFAULT_IDLE})`);
    expect(section).toContain(`last ${KEEP_ROTATED} rotated files are kept`);
    expect(section).toContain(`\`${SPOOL_NAME}\``);
  });

  it.each(['-i, --interface', '--engine', '--filter', '--all-traffic', '--idle-timeout', '--spool-dir'])('documents %s, which watch --help lists', async (opt) => {
    const help = await runCli(['watch', '--help']);
    expect(help.stdout).toContain(opt);
    const name = opt.split(', ').at(-1)!;
    expect(doc).toContain(name === '--interface' ? '-i IFACE' : name);
  });
});
