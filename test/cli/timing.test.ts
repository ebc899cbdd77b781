/** FLOWAUDIT_TIMING=1: one line on standard error saying where the audit's time went; nothing otherwise. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

const LAB = ['audit', 'fixtures/ams-lab.pcapng', '--inventory', 'fixtures/ams-lab.inventory.json', '--format', 'json'];

describe('FLOWAUDIT_TIMING', () => {
  it('prints the phases of an audit, in order, after the report', async () => {
    const r = await runCli(LAB, { FLOWAUDIT_TIMING: '1' });
    const line = r.stderr.split('\n').find((l) => l.startsWith('flowaudit: timing: '));
    expect(line).toMatch(/^flowaudit: timing: start \d+ ms, policy \+\d+ ms, ingest \+\d+ ms, audit \+\d+ ms, hash-wait \+\d+ ms, evidence \+\d+ ms, report \+\d+ ms, exit at \d+ ms$/);
    expect(JSON.parse(r.stdout).verdict).toBe('fail'); // the report itself is unchanged
  });

  it('prints nothing without it', async () => {
    const r = await runCli(LAB);
    expect(r.stderr).not.toContain('timing');
  });
});
