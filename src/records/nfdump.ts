/**
 * NetFlow / IPFIX / sFlow records stored by nfdump (`nfcapd.*` files), read through the `nfdump`
 * binary: it knows its own file layouts (versions, compression, extensions), so flowaudit does not
 * re-implement them. nfdump is spawned with an argument array (never a shell), its output is read
 * line by line as it comes (streaming: memory is the collector's, not the file's), and each line
 * becomes a FlowRecord fed to the same reader as the flow logs.
 *
 * `-B` makes nfdump pair the two directions of a flow (NetFlow records are one-way); the format
 * string asks for epoch times, numeric protocol and plain numbers. What NetFlow cannot say:
 *   - byte basis: IP bytes (NetFlow/IPFIX octet counts are from the IP header on);
 *   - TCP state: the flags of both directions come OR-ed together, so the handshake is not known;
 *     outcomes come from packet counts (records/orient.ts), except that a one-packet reply with RST
 *     and no FIN is taken as a refusal (looksRefused: fail safe); the report says TCP state is
 *     unavailable, not absent;
 *   - names, RPC hand-outs, ICMP quotes, as for every flow log.
 *
 * One file, two reads: nfdump cannot read a pipe (1.7 refuses a path that is not a regular file, and
 * seeks to the file's appendix at the end before the data blocks), so the bytes cannot be hashed on
 * their way to it. flowaudit opens the file once and gives nfdump that open file (`/dev/fd/3`), so
 * both read the same inode even if the path is replaced meanwhile; the SHA-256 is read from the same
 * descriptor beside nfdump (from the page cache), and the file's size and times are compared before
 * and after: a file that changed while read is an input error, never a hash of other bytes.
 */
import { childProcess } from '../lazy_builtins.js';
import { createHash } from 'node:crypto';
import { createReadStream, closeSync, existsSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { createInterface } from 'node:readline';
import type { InputSummary } from '../capture/ingest.js';
import type { RecordCollector } from './collector.js';
import { emptyRecord, type FlowRecord } from './flow_record.js';
import { RecordLogReader } from './read_log.js';
import { messageOf } from '../errors.js';

/** nfdump's file magic (0xA50C, little-endian) at offset 0, layout version 1 or 2; regular files only. */
export function isNfdumpFile(path: string): boolean {
  let fd = -1;
  try {
    if (!statSync(path).isFile()) return false; // never open a FIFO or device here: that would consume its bytes
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b[0] === 0x0c && b[1] === 0xa5 && (b[2] === 1 || b[2] === 2);
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** The output format asked of nfdump: one line per (bidirectional) flow, `|`-separated. */
export const NFDUMP_FORMAT = 'fmt:%tsr|%ter|%pr|%sa|%sp|%da|%dp|%ipkt|%ibyt|%opkt|%obyt|%flg';

export function nfdumpArgs(path: string): string[] {
  return ['-r', path, '-B', '-q', '-N', '-o', NFDUMP_FORMAT];
}

const PROTO_NAMES: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMP6: 58, IPV6ICMP: 58 };

/** One output line → the record (reused), or why not. */
export function nfdumpRecord(line: string, r: FlowRecord): FlowRecord | string {
  const f = line.split('|').map((x) => x.trim());
  if (f.length < 12) return `expected 12 fields, got ${f.length}`;
  const [ts, te, pr, sa, sp, da, dp, ipkt, ibyt, opkt, obyt] = f as [string, string, string, string, string, string, string, string, string, string, string];
  const proto = /^\d+$/.test(pr) ? Number(pr) : PROTO_NAMES[pr.toUpperCase()];
  if (proto === undefined || proto > 255) return `unknown protocol "${pr}"`;
  const nums = [ipkt, ibyt, opkt, obyt].map(Number);
  if (nums.some((n) => !Number.isFinite(n) || n < 0)) return 'packet or byte count not a number';
  const first = Number(ts) * 1e6;
  const last = Number(te) * 1e6;
  Object.assign(r, emptyRecord());
  r.ipProto = proto;
  r.orig = sa;
  r.resp = da;
  r.byteBasis = 'ip';
  [r.origPkts, r.origBytes, r.respPkts, r.respBytes] = nums as [number, number, number, number];
  r.firstSeen = Number.isFinite(first) ? first : NaN;
  r.lastSeen = Number.isFinite(last) ? Math.max(last, r.firstSeen) : r.firstSeen;
  if (proto === 1 || proto === 58) {
    // nfdump prints an ICMP flow's type.code as its destination port.
    const m = /^(\d+)\.(\d+)$/.exec(dp);
    r.icmpType = m ? Number(m[1]) : -1;
    r.icmpCode = m ? Number(m[2]) : -1;
  } else {
    r.origPort = Number(sp);
    r.respPort = Number(dp);
    if (!(r.origPort >= 0 && r.origPort <= 65535 && r.respPort >= 0 && r.respPort <= 65535)) return `bad port "${sp}" or "${dp}"`;
    if (proto === 6 && looksRefused(f[11]!, r.respPkts)) r.state = 'REJ';
  }
  return r;
}

/**
 * Fail safe on the one outcome NetFlow can mislead about: a refusal. The flags of both directions
 * come OR-ed together, so a RST reply would otherwise count as an answer (a server that sent a
 * packet). A TCP flow whose only reply is one packet, with RST among the flags and no FIN, is taken
 * as refused (Zeek's REJ). A SYN-ACK followed by the client's own RST looks the same and is then
 * also called refused: a rule may read failed where the server did answer, never observed where it
 * refused (never a pass that was not seen).
 */
export function looksRefused(flags: string, respPkts: number): boolean {
  return respPkts <= 1 && respPkts > 0 && flags.includes('R') && !flags.includes('F');
}

function sha256OfFd(fd: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream('', { fd, start: 0, autoClose: false })
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const sameFile = (a: Stats, b: Stats): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

/** Read one nfdump file through `nfdump` (`bin`, default from PATH) into the collector. */
export async function readNfdumpFile(path: string, collector: RecordCollector, bin = 'nfdump'): Promise<InputSummary> {
  const reader = new RecordLogReader(path, 'nfdump', collector);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    reader.fail(new Error(`cannot open: ${messageOf(e)}`));
    return reader.finish();
  }
  try {
    return await readOpenNfdump(path, fd, reader, bin);
  } finally {
    closeSync(fd);
  }
}

async function readOpenNfdump(path: string, fd: number, reader: RecordLogReader, bin: string): Promise<InputSummary> {
  const before = fstatSync(fd);
  const hashing = sha256OfFd(fd).then(
    (hex) => void (reader.summary.sha256 = hex),
    (e: unknown) => void (reader.summary.error ??= { offset: 0, message: `${path}: cannot hash file: ${messageOf(e)}` }),
  );
  // nfdump gets the file flowaudit opened (fd 3), where /dev/fd exists (Linux); else the path.
  const viaFd = existsSync('/dev/fd/0');
  // child_process loads net and streams: only when an nfdump file is read (the bundle test checks start-up).
  const child = childProcess().spawn(bin, nfdumpArgs(viaFd ? '/dev/fd/3' : path), { stdio: ['ignore', 'pipe', 'pipe', viaFd ? fd : 'ignore'], env: { ...process.env, TZ: 'UTC' } });
  const out = child.stdout!;
  const err = child.stderr!;
  let stderr = '';
  err.setEncoding('utf8');
  err.on('data', (d: string) => void (stderr.length < 4096 && (stderr += d)));
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, error }));
    child.on('close', (code) => resolve({ code }));
  });
  const r = emptyRecord();
  let no = 0;
  for await (const line of createInterface({ input: out, crlfDelay: Infinity })) {
    no++;
    if (line.trim() === '' || line === 'No matching flows') continue;
    const rec = nfdumpRecord(line, r);
    if (typeof rec === 'string') reader.malformed(no, `nfdump output: ${rec}`);
    else reader.record(rec, no);
  }
  const x = await exited;
  if (x.error) {
    const missing = (x.error as NodeJS.ErrnoException).code === 'ENOENT';
    reader.fail(new Error(missing ? 'nfdump is not installed (apt-get install nfdump): cannot read NetFlow files' : x.error.message));
  } else if (x.code !== 0) {
    reader.fail(new Error(`nfdump exited with ${x.code}: ${stderr.trim().split('\n')[0] ?? ''}`));
  } else if (stderr.trim() !== '') {
    // nfdump reports a damaged file on stderr and still exits 0: the read is incomplete.
    reader.fail(new Error(`nfdump could not read it all: ${stderr.trim().split('\n')[0]}`));
  }
  await hashing;
  if (!sameFile(before, fstatSync(fd))) reader.fail(new Error(`the file changed while it was read (size or modification time): read it again when it is complete`));
  return reader.finish();
}
