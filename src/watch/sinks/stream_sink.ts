/** NDJSON to a text stream (standard output): one event per line. */
import { messageOf } from '../../errors.js';
import type { EventSink } from './event_sink.js';

/** What the sink needs of a stream (process.stdout, or a test's collector). */
export interface TextOut {
  write(text: string): unknown;
}

export class StreamSink implements EventSink {
  private drops = 0;
  lastError: string | null = null;

  constructor(
    private readonly out: TextOut,
    readonly name: string,
  ) {}

  get dropped(): number {
    return this.drops;
  }

  write(event: Record<string, unknown>): void {
    try {
      this.out.write(`${JSON.stringify(event)}\n`);
    } catch (e) {
      this.drops++;
      this.lastError = messageOf(e);
    }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}
}
