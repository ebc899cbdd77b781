/**
 * The rows of one reporting interval, kept beside its report so the report is verifiable alone:
 * `flowaudit verify` re-reads them, re-hashes them and re-runs the audit. One file per log format
 * (`watch-<start>.conn.log` for Zeek TSV, `.conn.json`, `.eve.json`, `.flows.jsonl`), the
 * connection rows as the sensor wrote them, each Zeek TSV row under the header block of the file it
 * came from (a header block is written again when the source file changes: a Zeek log may repeat
 * its header). Written as the rows arrive (appended, never held in memory).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordLogFormat } from '../inputs/record_input.js';

const EXT: Partial<Record<RecordLogFormat, string>> = {
  'zeek-conn-tsv': 'conn.log',
  'zeek-conn-json': 'conn.json',
  'suricata-eve': 'eve.json',
  'flowaudit-flows': 'flows.jsonl',
};

/** 2026-12-07T19:00:00Z → 20261207T190000Z (the interval's start, in file names). */
export function stamp(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

interface Kept {
  path: string;
  fd: number;
  header: string | null;
  /** Rows not yet written (flushed at FLUSH_CHARS and on close). */
  pending: string;
}

const FLUSH_CHARS = 1 << 16;

export class KeptRows {
  private readonly files = new Map<RecordLogFormat, Kept>();
  rows = 0;

  constructor(
    private readonly dir: string,
    readonly startUs: number,
  ) {}

  /** Path of the kept file for `format` in this interval. */
  pathFor(format: RecordLogFormat): string {
    return join(this.dir, `watch-${stamp(this.startUs)}.${EXT[format] ?? `${format}.log`}`);
  }

  /** One row; `header` the Zeek header block of its source file (null for JSON logs). */
  write(format: RecordLogFormat, header: string | null, line: string): void {
    let k = this.files.get(format);
    if (!k) {
      const path = this.pathFor(format);
      k = { path, fd: openSync(path, 'a'), header: null, pending: '' };
      this.files.set(format, k);
    }
    if (header !== null && header !== k.header) {
      k.pending += `${header}\n`;
      k.header = header;
    }
    k.pending += `${line}\n`;
    if (k.pending.length >= FLUSH_CHARS) {
      writeSync(k.fd, k.pending);
      k.pending = '';
    }
    this.rows++;
  }

  /** Close every file; the paths written, in a stable order. */
  close(): string[] {
    const out: string[] = [];
    for (const k of this.files.values()) {
      if (k.pending.length > 0) writeSync(k.fd, k.pending);
      closeSync(k.fd);
      out.push(k.path);
    }
    this.files.clear();
    return out.sort();
  }
}
