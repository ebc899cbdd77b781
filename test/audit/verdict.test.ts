/** The verdict rules (audit/verdict.ts), one row each, and the exit code for each verdict. */
import { describe, expect, it } from 'vitest';
import type { InputResult, RuleResult, UnexpectedGroup } from '../../src/audit/result.js';
import { decideVerdict, exitCodeFor, type VerdictFacts } from '../../src/audit/verdict.js';

const rule = (id: string, status: RuleResult['status'], enforced = true, extra: Partial<RuleResult> = {}): RuleResult =>
  ({ id, status, enforced, requirement: 'required', reason: null, ...extra }) as RuleResult;
const input = (packets: number, error: string | null = null): InputResult =>
  ({ path: 'c.pcap', packets, error: error === null ? null : { offset: 24, message: `c.pcap: ${error}` } }) as InputResult;
const group = { connections: 2 } as UnexpectedGroup;
const ok: VerdictFacts = { rules: [rule('ams-ldap', 'observed')], unexpected: [], inputs: [input(10)], packets: 10, touchingInventory: 3, inventoryGiven: true, vantage: [] };

describe('decideVerdict', () => {
  it.each<[string, Partial<VerdictFacts>, string, string[]]>([
    ['everything observed', {}, 'pass', []],
    ['an unexpected flow', { unexpected: [group] }, 'fail', ['1 unexpected flow (2 connections)']],
    ['an enforced rule failed', { rules: [rule('ams-ldap', 'failed')] }, 'fail', ['required rule ams-ldap failed: attempted but never answered']],
    ['an enforced rule partial', { rules: [rule('ams-gc', 'partial', true, { memberFailures: [{ text: 'dc2 (10.66.0.3) tcp/3268 refused' }] as RuleResult['memberFailures'] })] }, 'fail', ['required rule ams-gc partial: dc2 (10.66.0.3) tcp/3268 refused']],
    ['an enforced rule missing', { rules: [rule('ams-ldap', 'missing')] }, 'fail', ['required rule ams-ldap missing: no matching traffic']],
    ['an optional rule missing', { rules: [rule('ams-ldap', 'observed'), rule('upd', 'missing', false)] }, 'pass', []],
    ['a not-visible rule is never enforced', { rules: [rule('ams-ldap', 'observed'), rule('agent-ldap', 'not-visible', false)] }, 'pass', []],
    ['no inventory', { inventoryGiven: false, rules: [rule('ams-ldap', 'not-applicable', false)] }, 'inconclusive', ["no inventory given: no rule can be checked without the roles' hosts (use --inventory FILE)"]],
    ['no inventory, flows to default hosts are seen, not judged', { inventoryGiven: false, unexpected: [group], rules: [rule('ams-ldap', 'not-applicable', false)] }, 'inconclusive', ["no inventory given: no rule can be checked without the roles' hosts (use --inventory FILE)", '(seen, but not judged: 1 unexpected flow (2 connections))']],
    ['every rule not applicable', { rules: [rule('ams-ldap', 'not-applicable', false)] }, 'inconclusive', ['the inventory leaves every rule not applicable: nothing was checked']],
    ['no packets', { packets: 0, inputs: [input(0)] }, 'inconclusive', ['the capture holds no packets']],
    ['no connection touches the inventory', { touchingInventory: 0 }, 'inconclusive', ['no connection touches an inventory host: is this the right capture, or the right inventory?']],
    ['an unreadable input', { inputs: [input(0, 'Cannot read pcap header: unknown magic')], packets: 0 }, 'inconclusive', ['input c.pcap could not be read: Cannot read pcap header: unknown magic']],
    ['an unreadable input is never fail', { inputs: [input(0, 'bad'), input(5)], unexpected: [group] }, 'inconclusive', ['input c.pcap could not be read: bad', '(in what was read: 1 unexpected flow (2 connections))']],
    ['broke midway, nothing wrong in what was read', { inputs: [input(7, 'record at 900 runs past the end')] }, 'inconclusive', ['input c.pcap broke after 7 packets (record at 900 runs past the end): evidence that stopped early cannot prove the absence of a violation']],
    ['broke midway with a violation', { inputs: [input(7, 'x')], unexpected: [group] }, 'fail', ['1 unexpected flow (2 connections)', 'input c.pcap broke after 7 packets (x): evidence that stopped early cannot prove the absence of a violation']],
    ['damaged (issue 17): pass becomes inconclusive', { damage: ['input c.pcap ends inside a record at byte 900: …'] }, 'inconclusive', ['input c.pcap ends inside a record at byte 900: …']],
    ['damaged with a violation: fail stays fail', { damage: ['input c.pcap ends inside a record at byte 900: …'], unexpected: [group] }, 'fail', ['1 unexpected flow (2 connections)', 'input c.pcap ends inside a record at byte 900: …']],
    ['damaged, --accept-damaged: pass, the damage said', { damage: ['d'], acceptDamaged: true }, 'pass', ['accepted with --accept-damaged: d']],
    ['damaged, --accept-damaged, a violation: fail', { damage: ['d'], acceptDamaged: true, unexpected: [group] }, 'fail', ['1 unexpected flow (2 connections)', 'accepted with --accept-damaged: d']],
  ])('%s', (_name, change, verdict, reasons) => {
    expect(decideVerdict({ ...ok, ...change })).toEqual({ verdict, reasons });
  });
});

describe('exitCodeFor', () => {
  it.each<[string, 'pass' | 'fail' | 'inconclusive', boolean, boolean, number]>([
    ['pass', 'pass', false, false, 0],
    ['fail', 'fail', false, false, 1],
    ['fail with --exit-zero', 'fail', false, true, 0],
    ['inconclusive', 'inconclusive', false, false, 3],
    ['inconclusive with --exit-zero stays 3', 'inconclusive', false, true, 3],
    ['an input error', 'inconclusive', true, false, 2],
    ['an input error with --exit-zero', 'fail', true, true, 2],
  ])('%s → %i', (_n, verdict, inputError, exitZero, code) => {
    expect(exitCodeFor({ verdict, inputs: [input(1, inputError ? 'x' : null)] }, exitZero)).toBe(code);
  });
});
