/**
 * Issue 17: damaged input never passes. The AMS NIC scenario passes with --vantage ams-server;
 * with one more packet at the end (a user's RDP SYN to the AMS server, the only violation) it
 * fails; cut inside that last record it must be inconclusive (exit 3) with the reason in words, in
 * every format, never PASS. --accept-damaged is the documented opposite choice, recorded in the
 * report. A damaged input with a violation before the cut stays FAIL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAmsNicLastRdpSyn, buildAmsNicWithEvil, SMALL_INVENTORY } from '../../fixtures/scenarios.js';
import { runCli } from '../support/run_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-damaged-'));
const whole = buildAmsNicLastRdpSyn();
const FULL = join(dir, 'rdp-last.pcapng');
const CUT = join(dir, 'rdp-last-cut.pcapng');
writeFileSync(FULL, whole);
writeFileSync(CUT, whole.subarray(0, whole.length - 12)); // inside the last Enhanced Packet Block
const EVIL = join(dir, 'evil-cut.pcapng');
const evil = buildAmsNicWithEvil();
writeFileSync(EVIL, evil.subarray(0, evil.length - 12));
const base = ['-i', SMALL_INVENTORY, '--vantage', 'ams-server'];

describe('a damaged capture never passes', () => {
  it('the whole capture fails on the RDP SYN, its only violation', async () => {
    const r = await runCli(['audit', FULL, ...base, '-f', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).unexpected.map((g: { port: number }) => g.port)).toEqual([3389]);
  });

  it('cut inside its last record: inconclusive, exit 3, the reason in words', async () => {
    const r = await runCli(['audit', CUT, ...base, '-f', 'json']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('inconclusive');
    expect(j.unexpected).toEqual([]);
    expect(j.inputs[0].truncated).toBe(true);
    expect(j.verdictReasons).toEqual([`input ${CUT} ends inside a record at byte ${j.inputs[0].warnings[0].offset}: a packet is missing, so the absence of a violation is not proven`]);
  });

  it.each([
    ['text', /INCONCLUSIVE[\s\S]*ends inside a record at byte \d+: a packet is missing, so the absence of a violation is not proven/],
    ['markdown', /INCONCLUSIVE[\s\S]*ends inside a record at byte \d+: a packet is missing, so the absence of a violation is not proven/],
    ['html', /INCONCLUSIVE[\s\S]*ends inside a record at byte \d+: a packet is missing, so the absence of a violation is not proven/],
    ['csv', /inconclusive[\s\S]*ends inside a record at byte \d+: a packet is missing/],
  ])('%s says inconclusive and why', async (format, re) => {
    const r = await runCli(['audit', CUT, ...base, '-f', format]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(re);
    expect(r.stdout).not.toMatch(/\bPASS\b/);
  });

  it('--accept-damaged passes and says so, recorded in the report', async () => {
    const r = await runCli(['audit', CUT, ...base, '--accept-damaged', '-f', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('pass');
    expect(j.options.acceptDamaged).toBe(true);
    expect(j.verdictReasons[0]).toMatch(/^accepted with --accept-damaged: input .* ends inside a record at byte \d+/);
  });

  it('a violation before the cut: fail stays fail, with the damage among the reasons', async () => {
    const r = await runCli(['audit', EVIL, ...base, '-f', 'json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('fail');
    expect(j.verdictReasons.at(-1)).toMatch(/ends inside a record at byte \d+: a packet is missing/);
  });
});
