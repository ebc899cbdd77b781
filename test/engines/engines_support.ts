/**
 * The site engines the engine tests use (nfdump, nfpcapd, clickhouse-server): run when installed,
 * skipped with the reason when not, and with FLOWAUDIT_REQUIRE_ENGINES=1 (.ci/run sets it) a
 * missing engine is a failing test instead of a skip.
 */
import { spawnSync } from 'node:child_process';

export const REQUIRE_ENGINES = process.env.FLOWAUDIT_REQUIRE_ENGINES === '1';

export function haveCommand(name: string): boolean {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' });
  return r.status === 0;
}
