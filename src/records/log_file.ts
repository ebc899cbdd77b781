/**
 * One read of a flow-log file: every chunk read is given to the input's hash and then parsed, so
 * the SHA-256 in the evidence is of the bytes the records came from, and the path is opened once
 * for both (as the capture readers do). Lines are framed on the bytes (LF or CRLF) in one reused
 * buffer; a Zeek conn.log TSV row is read straight from its bytes (zeek_tsv_bytes.ts) when it is
 * in plain form, and every other line goes through the string parser (RecordLogReader.line).
 * JSON logs are framed into objects (json_frames.ts: one per line, several per line, or
 * pretty-printed). A gzip file is inflated as a stream: each compressed chunk read is hashed, then
 * inflated in pieces of GZIP_PIECE bytes, and the inflated chunks are framed as they come, so
 * neither the file nor its text is ever whole in memory (a gzip bomb inflates at most ~1,000× one
 * piece before the framer takes it).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { InputHash } from '../inputs/input_hash.js';
import type { BufferRing } from '../inputs/chunked_file.js';
import { InputError, messageOf } from '../errors.js';
import type { InputSummary } from '../capture/ingest.js';
import type { RecordLogFormat } from '../inputs/record_input.js';
import { gunzipChunks } from '../inputs/compression.js';
import type { RecordCollector } from './collector.js';
import { readConnLogParallel, parallelWanted } from './conn_parallel.js';
import { LineFeeder } from './line_feeder.js';
import { CHUNK, LineFramer } from './line_framer.js';
import { isGzip } from './line_reader.js';
import { RecordLogReader } from './read_log.js';

export { MAX_LINE_BYTES } from './line_feeder.js';

/** Compressed bytes handed to inflate at a time (bounds what one piece can inflate to). */
const GZIP_PIECE = 16 << 10;

/** For parsing a file again whose bytes were hashed already (the parallel reader's fallback). */
const NO_HASH: InputHash = { update: () => undefined, bytes: 0, digest: () => Promise.resolve(''), ring: null };

/**
 * Read a flow log file once: hash every byte read, parse the same bytes into `into`. A large plain
 * Zeek conn.log is parsed on two threads (conn_parallel.ts) unless `parallel` is false.
 */
export async function readRecordLogFile(path: string, format: RecordLogFormat, into: RecordCollector, hash: InputHash, parallel = true): Promise<InputSummary> {
  const reader = new RecordLogReader(path, format, into);
  const byBytes = format === 'zeek-conn-tsv' && into.tuples !== null && into.sslNames.size === 0;
  const framer = new LineFramer(new LineFeeder(reader, byBytes, format));
  let fd = -1;
  try {
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputError(`${path}: cannot open flow log: ${messageOf(e)}`);
    }
    if (parallel && byBytes && !gzipFile(fd) && parallelWanted(fstatSync(fd).size)) {
      const s = await readConnLogParallel(path, fd, into, hash);
      if (s !== 'serial') return s ?? (await readRecordLogFile(path, format, into, NO_HASH, false));
    }
    let space = framer.space();
    let n = readSync(fd, space, 0, CHUNK, null);
    if (isGzip(space.subarray(0, n))) await inflateInto(fd, Buffer.from(space.subarray(0, n)), framer, hash, path);
    else {
      if (n > 0) {
        hash.update(space, 0, n);
        framer.wrote(n);
        if (hash.ring) readInRing(fd, hash.ring, framer);
        space = framer.space();
        n = readSync(fd, space, 0, CHUNK, null);
      }
      while (n > 0) {
        hash.update(space, 0, n);
        framer.wrote(n);
        space = framer.space();
        n = readSync(fd, space, 0, CHUNK, null);
      }
    }
    framer.end();
  } catch (e) {
    reader.fail(e);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return reader.finish();
}

/** Whether the file open at `fd` starts with the gzip magic (read at offset 0: the file position stays). */
function gzipFile(fd: number): boolean {
  const head = Buffer.alloc(2);
  return readSync(fd, head, 0, 2, 0) === 2 && isGzip(head);
}

/**
 * The rest of a plain file read straight into the hash ring's slots (one input only: HashService
 * readInPlace): each slot is handed to the hash worker as soon as it is read and parsed in place
 * meanwhile, so the bytes are neither copied for the hash nor left the CPU cache between the two.
 * Returns at the end of the file, or when the ring has no slot to lend (then the caller reads on
 * into its own buffer).
 */
function readInRing(fd: number, ring: BufferRing, framer: LineFramer): void {
  for (;;) {
    const slot = ring.acquire();
    if (!slot) return;
    const n = readSync(fd, slot, 0, slot.length, null);
    ring.publish(slot, 0, Math.max(n, 0));
    if (n <= 0) return;
    framer.external(Buffer.from(slot.buffer, slot.byteOffset, n), n);
  }
}

/**
 * A gzip file, streamed: `first` (already read) and the rest of the file are hashed as read and
 * inflated piece by piece; each inflated chunk goes to the framer. A damaged stream stops the parse
 * (what was parsed stays) but the rest of the file is still read into the hash, so the SHA-256 is of
 * the whole file as stored.
 */
async function inflateInto(fd: number, first: Buffer, framer: LineFramer, hash: InputHash, path: string): Promise<void> {
  let block: Buffer = first;
  let at = 0;
  hash.update(first, 0, first.length);
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    if (at >= block.length) {
      block = Buffer.allocUnsafe(CHUNK); // a new block: inflate may still hold the previous one
      const n = readSync(fd, block, 0, CHUNK, null);
      if (n <= 0) return { done: true, value: undefined };
      hash.update(block, 0, n);
      block = block.subarray(0, n);
      at = 0;
    }
    const piece = block.subarray(at, Math.min(at + GZIP_PIECE, block.length));
    at += piece.length;
    return { done: false, value: piece };
  };
  try {
    for await (const text of gunzipChunks(next)) {
      for (let off = 0; off < text.length; off += CHUNK) {
        const k = Math.min(CHUNK, text.length - off);
        framer.space().set(text.subarray(off, off + k));
        framer.wrote(k);
      }
    }
  } catch (e) {
    while (!(await next()).done); // the rest of the file, for the hash
    throw new InputError(`${path}: cannot decompress gzip flow log: ${messageOf(e)}`);
  }
}
