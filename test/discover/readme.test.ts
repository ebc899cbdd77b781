/** The README's quick start shows the real `discover` output of the bundled lab (kept true by this test). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

describe('README quick start', () => {
  it('begins with discover and shows its real output on the lab', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('## Quick start: discover, then audit');
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThan(readme.indexOf('## What you get'));
    const r = await runCli(['discover', 'fixtures/ams-lab.pcapng']);
    expect(readme).toContain(`$ npx flowaudit discover fixtures/ams-lab.pcapng\n${r.stdout}\`\`\``);
  });
});
