/** Everything the CLI touches outside itself, so `main(argv, io)` can run in-process in tests. */
import { appendFileSync, writeFileSync } from 'node:fs';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  writeFile(path: string, data: string | Uint8Array): void;
  /** Append to a file (streamed outputs write their first part with writeFile, then append). */
  appendFile(path: string, data: string): void;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Standard input as chunks (the capture `-`); default process.stdin. */
  stdin?: () => AsyncIterable<Uint8Array>;
  /** Installs a handler for SIGINT/SIGTERM (live capture); returns a function that removes it. */
  onSignal?(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void;
}

export function nodeIo(): Io {
  // A reader that goes away (`flowaudit flows big.pcap | head`) makes writes fail with EPIPE,
  // reported as an 'error' event: end quietly, drop further output, keep the exit code.
  let stdoutClosed = false;
  let stderrClosed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
    else if (!stderrClosed) process.stderr.write(`flowaudit: standard output: ${e.message}\n`);
  });
  process.stderr.on('error', () => {
    stderrClosed = true;
  });
  return {
    stdout: (t) => void (stdoutClosed || process.stdout.write(t)),
    stderr: (t) => void (stderrClosed || process.stderr.write(t)),
    writeFile: (p, d) => writeFileSync(p, d),
    appendFile: (p, d) => appendFileSync(p, d),
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    onSignal: (handler) => {
      const onInt = (): void => handler('SIGINT');
      const onTerm = (): void => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}

/** Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: Io, isTTY: boolean): boolean {
  return isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}
