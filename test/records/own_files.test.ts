/** Issue 20: flowaudit's own files (reports, state, inventory, matrix) recognised by their first bytes. */
import { describe, expect, it } from 'vitest';
import { sniffRecordLog } from '../../src/records/detect.js';
import { flowauditFileKind } from '../../src/records/own_files.js';

describe('flowauditFileKind', () => {
  it.each([
    ['{\n  "schema": "flowaudit/audit@1",\n  "verdict": "fail"', 'a flowaudit report (JSON), not evidence'],
    ['{"schema":"flowaudit/state@1","tool":{}}', 'a flowaudit state file (audit --emit-state); give it to flowaudit merge'],
    ['{"@timestamp":"2026-03-02T09:00:07Z","ecs":{"version":"8.11.0"},"event":{"module":"flowaudit"}}\n', 'a flowaudit report (ECS JSON Lines), not evidence'],
    ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta name="generator" content="flowaudit 0.1.0">', 'a flowaudit report (HTML), not evidence'],
    ['{\n  "roles": {\n    "ams-server": ["10.0.0.10"]', 'a flowaudit inventory; give it with --inventory'],
    ['{\n  "description": "Proposed by flowaudit discover",\n  "roles": {', 'a flowaudit inventory; give it with --inventory'],
    ['{\n  "name": "site",\n  "roles": {},\n  "rules": []\n}', 'a flow matrix file; give it with --matrix'],
    ['<!DOCTYPE html><html><body>someone else\'s page', null],
    ['{"note": "x"}', null],
    ['{"protocol":"tcp","client":"10.0.0.1","roles":["x"]}\n{"protocol":"tcp"}', null],
    // pcapng section header: \n\r\r\n, a length that is a multiple of 4, then binary (never `{`)
    ['\n\r\r\n<\0\0\0M<+\u001a{"schema":"flowaudit/audit@1"}', null],
  ])('%j', (head, want) => {
    expect(flowauditFileKind(head)).toBe(want);
  });

  it('the flow-log sniffer says what such a file is instead of "not a complete JSON object"', () => {
    expect(sniffRecordLog('{\n  "schema": "flowaudit/audit@1",\n')).toEqual({ error: 'a flowaudit report (JSON), not evidence' });
    expect(sniffRecordLog('{"protocol":"tcp","client":"10.0.0.1","clientPort":1,"server":"10.0.0.2","serverPort":2,"state":"SF","outcome":"answered"}\n')).toEqual({ format: 'flowaudit-flows' });
  });
});
