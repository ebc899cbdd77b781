/** Run the CLI in-process with a captured Io. */
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  files: Map<string, string | Uint8Array>;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = {}, tty = false): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string | Uint8Array>();
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    writeFile: (p, d) => void files.set(p, d),
    appendFile: (p, d) => void files.set(p, `${String(files.get(p) ?? '')}${d}`),
    env: { SOURCE_DATE_EPOCH: '1772445600', ...env },
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, files };
}
