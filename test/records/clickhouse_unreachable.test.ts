/**
 * A ClickHouse source that cannot be reached (nothing listens on loopback port 1): one line naming
 * the source once, exit 2; no server needed.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run_cli.js';

describe('clickhouse:// unreachable', () => {
  it('one line, the source named once, exit 2', async () => {
    const r = await runCli(['audit', 'clickhouse://127.0.0.1:1/flows.conn', '--inventory', 'fixtures/ams-lab.inventory.json']);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^flowaudit: clickhouse:\/\/127\.0\.0\.1:1\/flows\.conn: .*ECONNREFUSED/);
    expect(lines[0]!.split('clickhouse://').length - 1).toBe(1);
  });
});
