/**
 * The logs being followed, one entry per file: its format (sniffed by content, as `audit` does),
 * the RecordLogReader that parses its lines (the same parser as `audit`: Zeek TSV by its #fields
 * header, Zeek JSON, Suricata eve, flowaudit flows) and, for Zeek TSV, its current header block
 * (kept rows are written under it). A file met mid-way (a resumed checkpoint, a rotated file whose
 * first batch came under its old name) gets its header from the head of the file. At most
 * MAX_FILES entries (the oldest dropped first): rotated files are finished and forgotten.
 */
import { Buffer } from 'node:buffer';
import type { RecordLogFormat } from '../inputs/record_input.js';
import type { RecordCollector } from '../records/collector.js';
import { sniffRecordLog } from '../records/detect.js';
import { headOfFile } from '../records/line_reader.js';
import { RecordLogReader } from '../records/read_log.js';

const MAX_FILES = 16;
/** Header lines Zeek writes that do not describe the columns (left out of the kept header). */
const NOT_HEADER = /^#(open|close)\b/;

export interface FollowedFile {
  path: string;
  format: RecordLogFormat;
  reader: RecordLogReader;
  /** The Zeek TSV header block in force (joined lines), null for JSON logs or before any. */
  header: string | null;
  /** Header lines being collected (a block starts at a `#` line after data). */
  headerLines: string[];
  inHeader: boolean;
}

export class FollowedFiles {
  private readonly files = new Map<string, FollowedFile>();
  /** Files found not to be a followable log (said once, not at every batch). */
  private readonly refused = new Set<string>();

  constructor(
    private collector: RecordCollector,
    private readonly note: (message: string) => void,
  ) {}

  /** The file's entry; `lines` (its first batch) sniff the format when the file's head cannot be read. */
  get(path: string, newFile: boolean, lines: readonly string[], header?: readonly string[]): FollowedFile | null {
    let f = this.files.get(path);
    if (f && !newFile && header === undefined) return f;
    if (!f && !newFile && this.refused.has(path)) return null;
    if (f) this.files.delete(path);
    const first = lines.slice(0, 64).join('\n');
    const head = newFile ? first : header !== undefined ? [...header, first].join('\n') : (readHead(path) ?? first);
    const sniffed = sniffRecordLog(head);
    if (!sniffed || !('format' in sniffed) || sniffed.format === 'zeek-ssl' || sniffed.format === 'zeek-dns') {
      this.note(`${path}: not followed: ${sniffed && 'error' in sniffed ? sniffed.error : 'not a conn.log, eve.json or flowaudit flows log'}`);
      if (this.refused.size >= MAX_FILES) this.refused.clear();
      this.refused.add(path);
      return null;
    }
    f = { path, format: sniffed.format, reader: new RecordLogReader(path, sniffed.format, this.collector), header: null, headerLines: [], inHeader: false };
    if (!newFile && sniffed.format === 'zeek-conn-tsv') {
      for (const l of head.split('\n')) {
        if (!l.startsWith('#')) break;
        this.headerLine(f, l);
      }
    }
    if (this.files.size >= MAX_FILES) this.files.delete(this.files.keys().next().value!);
    this.files.set(path, f);
    return f;
  }

  /** A `#` line of a Zeek TSV log: fed to the reader, and kept as part of the header block. */
  headerLine(f: FollowedFile, line: string): void {
    f.reader.line(line, 0);
    if (NOT_HEADER.test(line)) return;
    if (!f.inHeader) {
      f.headerLines = [];
      f.inHeader = true;
    }
    f.headerLines.push(line);
    f.header = f.headerLines.join('\n');
  }

  /** A policy reload may change the server ports: new readers into `collector`, headers replayed. */
  rebind(collector: RecordCollector): void {
    this.collector = collector;
    for (const f of this.files.values()) {
      f.reader = new RecordLogReader(f.path, f.format, collector);
      for (const l of f.headerLines) f.reader.line(l, 0);
    }
  }

  /** Malformed and ignored lines per file (for watch-stopped). */
  problems(): { path: string; lines: number; malformed: number; ignored: number }[] {
    return [...this.files.values()].map((f) => {
      const r = f.reader.recordInfo;
      return { path: f.path, lines: r.lines, malformed: r.malformed, ignored: Object.values(r.ignored).reduce((a, b) => a + b, 0) };
    });
  }
}

function readHead(path: string): string | null {
  try {
    const h = headOfFile(path);
    return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('utf8');
  } catch {
    return null;
  }
}
