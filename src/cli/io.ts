/** Everything the CLI touches outside itself, so `main(argv, io)` can run in-process in tests. */
import { appendFileSync, writeFileSync, writeSync } from 'node:fs';
import { messageOf } from '../errors.js';

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

/** Io on the real process, which can also say whether the process may exit at once (see canExitNow). */
export interface NodeIo extends Io {
  /** True while standard output and error went straight to their descriptors (no Node stream with writes in flight). */
  outputWritten(): boolean;
}

export function nodeIo(): NodeIo {
  const out = new StdStream(1);
  const err = new StdStream(2);
  return {
    outputWritten: () => out.direct && err.direct,
    stdout: (t) => out.write(t),
    stderr: (t) => err.write(t),
    writeFile: (p, d) => writeFileSync(p, d),
    appendFile: (p, d) => appendFileSync(p, d),
    env: process.env,
    // Asked only when a decision needs it (colour, a report to the terminal): the question creates
    // Node's stream for the descriptor.
    get stdoutIsTTY() {
      return process.stdout.isTTY === true;
    },
    get stderrIsTTY() {
      return process.stderr.isTTY === true;
    },
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

/**
 * Standard output or error. On POSIX the text goes to the descriptor with a synchronous write:
 * Node's process.stderr on a pipe is a net.Socket, whose set-up (pipe_wrap and the stream stack)
 * costs about 25 ms of start-up, more than a whole small audit. The stream is used instead on
 * Windows (its console wants WriteConsoleW) and from the first time the descriptor would block
 * (EAGAIN: someone made it non-blocking), so the order of the output is kept.
 * A reader that goes away (`flowaudit flows big.pcap | head`) makes writes fail with EPIPE: end
 * quietly, drop further output, keep the exit code.
 */
export class StdStream {
  private closed = false;
  private stream: Pick<NodeJS.WriteStream, 'write' | 'on'> | null = null;
  constructor(
    private readonly fd: 1 | 2,
    // Injected by tests: the descriptor write, Node's stream, whether this is Windows.
    private readonly writeFd: (fd: number, bytes: Uint8Array, off: number, len: number) => number = writeSync,
    private readonly nodeStream: () => Pick<NodeJS.WriteStream, 'write' | 'on'> = () => (fd === 1 ? process.stdout : process.stderr),
    windows = process.platform === 'win32',
  ) {
    if (windows) this.toStream();
  }

  /** True while every write went to the descriptor synchronously (POSIX, never blocked): nothing is left to flush. */
  get direct(): boolean {
    return this.stream === null;
  }

  write(text: string): void {
    if (this.closed || text === '') return;
    if (this.stream !== null) {
      this.stream.write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) {
      try {
        off += this.writeFd(this.fd, bytes, off, bytes.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          this.toStream().write(bytes.subarray(off));
          return;
        }
        this.closed = true;
        if (code !== 'EPIPE' && this.fd === 1) process.stderr.write(`flowaudit: standard output: ${messageOf(e)}\n`);
        return;
      }
    }
  }

  private toStream(): Pick<NodeJS.WriteStream, 'write' | 'on'> {
    if (this.stream === null) {
      const s = this.nodeStream();
      s.on('error', (e: NodeJS.ErrnoException) => {
        this.closed = true;
        if (this.fd === 1 && e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') process.stderr.write(`flowaudit: standard output: ${e.message}\n`);
      });
      this.stream = s;
    }
    return this.stream;
  }
}

/**
 * Whether the process may end at once when `main` has returned (process.exit) instead of letting
 * Node end it: Node's own exit tears down the heap and the finished hash worker's environment,
 * 40–90 ms after a large audit (measured on the bench capture), all of it after the report is
 * written. Only when nothing can still be going on: every output was written synchronously, and
 * the only resources Node still holds are the hash worker's message ports (`resources`: from
 * process.getActiveResourcesInfo()). A capture program still stopping (live), a timer, a socket,
 * a file request or a stream write keeps the ordinary exit, which waits for them.
 */
export function canExitNow(io: NodeIo, resources: readonly string[]): boolean {
  return io.outputWritten() && resources.every((r) => r === 'MessagePort' || r === 'Worker');
}

/** Colour only on a TTY, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: Io, isTTY: boolean): boolean {
  return isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb';
}
