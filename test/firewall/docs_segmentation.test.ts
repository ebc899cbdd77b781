/** Keeps the real output in docs/segmentation.md true: re-runs evaluate() on the documented rules. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { parseIptablesSave } from '../../src/firewall/iptables_save.js';
import { evaluate } from '../../src/audit/firewall_evaluate.js';

const doc = readFileSync(new URL('../../docs/segmentation.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

it('the documented evaluate() output matches the documented iptables-save rules', () => {
  const rules = blocks.find((b) => b.includes('*filter') && b.includes('10.66.')); // the evaluate() example (the lab's rules come first)
  const shown = blocks.find((b) => b.includes(' -> tcp/'));
  expect(rules).toBeDefined();
  expect(shown).toBeDefined();
  const rs = parseIptablesSave(rules!, 'dc2.rules');
  const lines = shown!.trim().split('\n');
  expect(lines.length).toBeGreaterThan(3);
  for (const line of lines) {
    const m = /^(\S+) -> tcp\/(\d+): /.exec(line);
    expect(m, line).not.toBeNull();
    const d = evaluate(rs, { src: m![1]!, dstPort: Number(m![2]), proto: 'tcp' });
    const got = `${m![1]} -> tcp/${m![2]}: ${d.action} by ${d.decidedBy}${d.rule ? ` (line ${d.rule.line}: ${d.rule.text})` : ''} via ${d.path.join(' > ')}`;
    expect(got).toBe(line);
  }
});

it('the documented CIDR, range and host-name member lines are what the bundled lab report says', () => {
  const golden = readFileSync(new URL('../golden/ams-lab.firewall.audit.txt', import.meta.url), 'utf8');
  const shown = blocks.find((b) => b.includes('by HTTP Host in the capture') && b.includes('$ flowaudit audit fixtures/ams-lab.pcapng'));
  expect(shown).toBeDefined();
  const lines = shown!.split('\n').filter((l) => l.trim() !== '' && l.trim() !== '…' && !l.startsWith('$'));
  expect(lines.length).toBe(2);
  for (const line of lines) expect(golden, line).toContain(`${line}\n`);
});
