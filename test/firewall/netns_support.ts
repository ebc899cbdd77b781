/**
 * For the firewall tests that build rules with the real tools in a network namespace they create:
 * why they cannot run here (not root, tool missing), and a describe() that skips with that reason,
 * or fails when FLOWAUDIT_REQUIRE_LIVE=1 (CI). Commands run with argument arrays, never a shell.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const REQUIRE_LIVE = process.env.FLOWAUDIT_REQUIRE_LIVE === '1';

/** null when root and every tool answers, else why not. */
export function toolsUnavailable(tools: [cmd: string, args: string[], pkg: string][]): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const [cmd, args, pkg] of tools) {
    const r = spawnSync(cmd, args, { stdio: 'ignore' });
    if (r.error || r.status !== 0) return `${cmd} is not installed (apt-get install ${pkg})`;
  }
  return null;
}

export function describeNetns(name: string, reason: string | null, body: () => void): void {
  if (reason === null) describe(name, body);
  else if (REQUIRE_LIVE) {
    describe(name, () => {
      it('can run (FLOWAUDIT_REQUIRE_LIVE=1 turns this skip into a failure)', () => {
        throw new Error(`namespace test could not run: ${reason}`);
      });
    });
  } else describe.skip(`${name} — skipped: ${reason}`, body);
}

/** A namespace of this test's own, with a name unique to this process. */
export class TestNetns {
  readonly name: string;
  constructor(tag: string) {
    this.name = `fa-${tag}-${process.pid}`;
    execFileSync('ip', ['netns', 'add', this.name]);
  }
  /** Runs a command inside the namespace; returns its stdout. */
  exec(cmd: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.name, cmd, ...args], { encoding: 'utf8' });
  }
  delete(): void {
    spawnSync('ip', ['netns', 'del', this.name], { stdio: 'ignore' });
  }
}
