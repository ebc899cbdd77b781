/**
 * NDJSON appended to a file, rotated by size: when the next event would take the file past
 * `maxBytes`, FILE.(keep-1) → FILE.keep, …, FILE → FILE.1, and a new FILE is begun (the oldest is
 * replaced; keep 0 keeps none). Written synchronously, one event per write: events are few (watch
 * merges them per group), and each one is on disk before the next is formed. A write that fails
 * (disk full, folder gone) is counted in `dropped`, never thrown; a file that cannot be opened at
 * the start is an InputError naming it (exit 2).
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InputError, messageOf } from '../../errors.js';
import type { EventSink } from './event_sink.js';

export class FileSink implements EventSink {
  private fd = -1;
  private size = 0;
  private drops = 0;
  lastError: string | null = null;
  readonly name: string;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    this.name = path;
    try {
      this.open();
    } catch (e) {
      throw new InputError(`${path}: cannot open the event output: ${messageOf(e)}`);
    }
  }

  get dropped(): number {
    return this.drops;
  }

  write(event: Record<string, unknown>): void {
    let line: Buffer;
    try {
      line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    } catch (e) {
      this.drops++; // an event JSON cannot express (a BigInt, a cycle)
      this.lastError = messageOf(e);
      return;
    }
    if (this.size > 0 && this.size + line.length > this.maxBytes) this.rotate();
    try {
      if (this.fd < 0) this.open();
      writeSync(this.fd, line);
      this.size += line.length;
    } catch (e) {
      this.drops++;
      this.lastError = `${this.path}: ${messageOf(e)}`;
    }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private open(): void {
    this.fd = openSync(this.path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  /**
   * FILE → FILE.1 …; when a rename fails (another program holds FILE.n open on Windows, the folder
   * is gone) the events go on into FILE, past its size, rather than being dropped: lastError says why.
   */
  private rotate(): void {
    try {
      if (this.fd >= 0) closeSync(this.fd);
      this.fd = -1;
      if (this.keep <= 0) rmSync(this.path, { force: true });
      else {
        for (let i = this.keep - 1; i >= 1; i--) {
          if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
        }
        renameSync(this.path, `${this.path}.1`);
      }
    } catch (e) {
      this.lastError = `${this.path}: cannot rotate: ${messageOf(e)}`;
    }
  }
}
