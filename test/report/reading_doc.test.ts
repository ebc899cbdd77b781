/**
 * docs/reading-a-report.md stays true: every ```text block starts with the `$ flowaudit …` command
 * that made it; the command is run in-process and every other line of the block must be a line of
 * its output, verbatim and in order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const doc = readFileSync(new URL('../../docs/reading-a-report.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/\n$/, '').split('\n'));

describe('docs/reading-a-report.md', () => {
  it('has its examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) expect(b[0]).toMatch(/^\$ flowaudit /);
  });

  it.each(blocks.map((b, i) => [i + 1, b] as const))('block %i is real output, in order', async (_i, block) => {
    const argv = block[0]!.replace(/^\$ flowaudit /, '').split(' ');
    const out = (await runCli(argv)).stdout.split('\n');
    let at = 0;
    for (const line of block.slice(1)) {
      const found = out.indexOf(line, at);
      expect(found, `not in the output of ${block[0]} (after line ${at}): ${line}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
