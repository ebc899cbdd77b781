/**
 * The documentation shows the real `discover` output of the bundled lab (kept true by this test):
 * docs/inventory-and-discovery.md in full, the README's quick start as an excerpt whose lines
 * (between the `…` elisions) appear in the real output in the same order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const fence = (text: string, command: string): string => {
  const start = text.indexOf(`$ ${command}\n`);
  expect(start, `"$ ${command}" in the document`).toBeGreaterThanOrEqual(0);
  const body = text.slice(start + command.length + 3);
  return body.slice(0, body.indexOf('```'));
};

/** Lines of `excerpt` that are not elisions must occur in `full`, in order. */
const missingInOrder = (excerpt: string, full: string): string[] => {
  const lines = full.split('\n');
  let at = 0;
  const missing: string[] = [];
  for (const line of excerpt.split('\n')) {
    if (line === '…' || line === '') continue;
    const found = lines.indexOf(line, at);
    if (found < 0) missing.push(line);
    else at = found + 1;
  }
  return missing;
};

describe('documented discover output', () => {
  it('docs/inventory-and-discovery.md begins with discover and shows its whole real output on the lab', async () => {
    const page = readFileSync('docs/inventory-and-discovery.md', 'utf8');
    const start = page.indexOf('## Quick start: discover, then audit');
    expect(start).toBeGreaterThan(0);
    const r = await runCli(['discover', 'fixtures/ams-lab.pcapng']);
    expect(page).toContain(`$ npx flowaudit discover fixtures/ams-lab.pcapng\n${r.stdout}\`\`\``);
  });

  it("the README's quick start is an excerpt of the real discover and audit output", async () => {
    const readme = readFileSync('README.md', 'utf8');
    const quick = readme.indexOf('## Quick start: discover, then audit');
    expect(quick).toBeGreaterThan(0);
    const discover = await runCli(['discover', 'fixtures/ams-lab.pcapng']);
    const excerpt = fence(readme, 'npx flowaudit discover fixtures/ams-lab.pcapng');
    expect(excerpt.split('\n').filter((l) => l && l !== '…').length).toBeGreaterThan(10);
    expect(missingInOrder(excerpt, discover.stdout)).toEqual([]);
  });
});
