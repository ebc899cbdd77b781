/**
 * docs/probe.md stays true where it can be checked without a network: its refusal of a port range
 * is the CLI's line, its lab inventory is the one the lab script builds, and its sample report has
 * the sections the text renderer writes (the lab output itself comes from test/probe/netns.test.ts's lab).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const doc = readFileSync('docs/probe.md', 'utf8');
const block = (after: string, lang = ''): string => {
  const at = doc.indexOf(after);
  const start = doc.indexOf(`\`\`\`${lang}\n`, at) + lang.length + 4;
  return doc.slice(start, doc.indexOf('\n```', start));
};

it('the --ports range refusal is what the CLI says (before anything is sent)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-probe-doc-'));
  try {
    writeFileSync(join(dir, 'inventory.json'), block('`inventory.json`:', 'json'));
    const r = await runCli(['probe', '--inventory', join(dir, 'inventory.json'), '--as', 'ams-server', '--ports', '1-1024']);
    expect(r.code).toBe(2);
    const shown = block('A range in `--ports` is refused').split('\n')[1];
    expect(`${shown}\n`).toBe(r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('the lab inventory names only addresses the lab script creates inside its namespaces', () => {
  const inv = JSON.parse(block('`inventory.json`:', 'json')) as { roles: Record<string, string[]> };
  const script = block('## A namespace lab', 'sh');
  for (const a of new Set(Object.values(inv.roles).flat())) expect(script).toContain(`${a}/24`);
});

it('the sample report has the text report sections', () => {
  const at = doc.indexOf('$ ip netns exec lab-ams flowaudit probe --inventory inventory.json --as ams-server\n');
  const sample = doc.slice(at, doc.indexOf('\n```', at));
  expect(sample).toMatch(/verdict: FAIL/);
  for (const h of ['Segmentation test', 'Not tried (documented flows a probe cannot test)', 'What this evidence shows', 'PCI DSS 11.4.5', 'Evidence']) expect(sample).toContain(h);
});
