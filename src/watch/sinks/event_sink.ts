/**
 * Where watch events go: `openSink(spec)` gives one EventSink for
 * - `-`: standard output, one JSON object per line (NDJSON);
 * - a file path: NDJSON appended, rotated by size (FILE → FILE.1 … FILE.keep, the oldest dropped);
 * - `syslog+udp://HOST:PORT` / `syslog+tcp://HOST:PORT`: RFC 5424 messages whose MSG is the event's
 *   JSON (syslog_format.ts); TCP frames them by octet counting (RFC 6587 §3.4.1).
 * A sink never throws from write(): one that cannot deliver (peer down, disk full) keeps a bounded
 * queue, counts what it had to drop (`dropped`) and goes on; watch reports the count.
 */
import { UsageError } from '../../errors.js';
import { FileSink } from './file_sink.js';
import { StreamSink, type TextOut } from './stream_sink.js';
import { SyslogSink } from './syslog_sink.js';

export interface EventSink {
  write(event: Record<string, unknown>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly name: string;
  /** Events that could not be delivered and were given up (queue full, peer down at close, write error). */
  readonly dropped: number;
  /** Why the last event was dropped or the last send failed (null when nothing failed). */
  readonly lastError?: string | null;
}

export interface SinkOptions {
  /** File sink: rotate when the file would pass this size (default 100 MiB). */
  maxBytes?: number;
  /** File sink: rotated files kept (FILE.1 … FILE.keep; default 5). */
  keep?: number;
  /** Syslog APP-NAME (default `flowaudit`). */
  appName?: string;
  /** Syslog: events held while the peer is unreachable (default 1000); more are dropped and counted. */
  maxQueue?: number;
  /** Where `-` writes (default process.stdout): main(argv, io) passes its io. */
  stdout?: TextOut;
}

const SYSLOG = /^syslog\+(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/;

/** Opens the sink a `--output` spec names (see the file comment). */
export function openSink(spec: string, opts: SinkOptions = {}): EventSink {
  if (spec === '-') return new StreamSink(opts.stdout ?? process.stdout, 'stdout');
  if (/^syslog[+:]/i.test(spec)) {
    const m = SYSLOG.exec(spec);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new UsageError(`${spec}: a syslog output is syslog+udp://HOST:PORT or syslog+tcp://HOST:PORT`);
    }
    const host = m[2]!.replace(/^\[|\]$/g, '');
    return new SyslogSink(m[1] as 'udp' | 'tcp', host, port, opts);
  }
  return new FileSink(spec, opts.maxBytes ?? 100 << 20, opts.keep ?? 5);
}
