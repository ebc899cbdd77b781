/**
 * SHA-256 of every input as stored (evidence: inputs[].sha256), fed by the one reader of that
 * input: the bytes the reader obtained, in order, each exactly once. Nothing here opens a file.
 *
 * Two ways to hash, same interface:
 * - on this thread (`createHash` per input): small inputs and streams, no start-up cost;
 * - on one worker thread for all inputs of a run: `update()` copies the bytes into a ring of
 *   SharedArrayBuffer slots (tagged with the input) and the worker hashes each slot while the main
 *   thread parses on; the main thread waits (Atomics.wait) only when the ring is full.
 *   The worker is inline CommonJS (`eval: true`) so it runs the same from src/ (tests) and dist/.
 *
 * Issue 13 tunes the speed (slot sizes, parsing straight from the slots); the interface stays:
 * `service.open()` → `update(buf, start, length)` … → `await digest()`.
 */
import { createHash, type Hash } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../lazy_builtins.js';
import type { BufferRing } from './chunked_file.js';

export interface InputHash {
  /** Hash `length` bytes of `buf` from `start`; the bytes may be reused as soon as this returns. */
  update(buf: Uint8Array, start: number, length: number): void;
  /** Bytes hashed so far. */
  readonly bytes: number;
  /** Hex SHA-256 of everything passed to update(); call once, after the last update(). */
  digest(): Promise<string>;
  /**
   * The hash's own buffers, for a file reader to read into (no copy; see BufferRing); null when
   * hashing on this thread, or when several inputs share the ring (each reader keeps its slot).
   */
  readonly ring?: BufferRing | null;
}

export interface HashServiceOptions {
  /** Hash on a worker thread (default: only when `expectedBytes` is at least WORKER_MIN_BYTES). */
  worker?: boolean;
  expectedBytes?: number | null;
  /**
   * One input only: its reader may read straight into the ring's slots (InputHash.ring), so the
   * chunks parsed are the chunks hashed, with no copy. Several readers must not, since a reader
   * keeps parsing its current slot after publishing it and the ring reuses slots in order.
   */
  readInPlace?: boolean;
  /** Ring slot size (tests use small slots so records straddle them). */
  slotBytes?: number;
}

/** Below this many bytes in total a worker's start-up (~30 ms) costs more than it saves. */
export const WORKER_MIN_BYTES = 32 << 20;
/**
 * The ring: 8 slots of 512 KiB. Small on purpose: the reader writes a slot, the parser reads it and
 * the hash worker reads it again within about a millisecond, so a ring that stays in the CPU cache
 * (4 MiB) saves main-memory traffic; on the bench machine ingest took about 20% less time than with
 * the 4 × 4 MiB ring it replaced (`npm run bench`). A record never exceeds a slot (MAX_CAPLEN is 256 KiB).
 */
const SLOTS = 8;
const SLOT_BYTES = 512 << 10;
/** Control words: state[SLOTS] (0 free, 1 full), len[SLOTS] (-1 = digest), id[SLOTS] (-2 = quit), off[SLOTS] (start in the slot), dead. */
const LEN = SLOTS;
const ID = 2 * SLOTS;
const OFF = 3 * SLOTS;
const DEAD = 4 * SLOTS;
const WAIT_MS = 1000;
const GIVE_UP_MS = 120_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const N = ${SLOTS}, SLOT = workerData.slotBytes;
const ctl = new Int32Array(workerData.ctl);
const data = workerData.data;
const hashes = new Map();
let s = 0;
try {
  for (;;) {
    Atomics.wait(ctl, s, 0);
    const len = ctl[N + s], id = ctl[2 * N + s];
    if (id === -2) break;
    let h = hashes.get(id);
    if (h === undefined) { h = createHash('sha256'); hashes.set(id, h); }
    if (len < 0) { hashes.delete(id); parentPort.postMessage({ id, hex: h.digest('hex') }); }
    else if (len > 0) h.update(Buffer.from(data, s * SLOT + ctl[${OFF} + s], len));
    Atomics.store(ctl, s, 0);
    Atomics.notify(ctl, s);
    s = (s + 1) % N;
  }
} catch (e) {
  Atomics.store(ctl, ${DEAD}, 1);
  Atomics.notify(ctl, s);
  parentPort.postMessage({ id: -1, error: String((e && e.message) || e) });
}
`;

interface SpawnedWorker {
  worker: Worker;
  ctlBuf: SharedArrayBuffer;
  dataBuf: SharedArrayBuffer;
  slotBytes: number;
  /** A prestarted worker that failed before a HashService took it (then it is not taken). */
  failed?: boolean;
}

function spawnWorker(slotBytes: number): SpawnedWorker {
  const ctlBuf = new SharedArrayBuffer(4 * (4 * SLOTS + 1));
  const dataBuf = new SharedArrayBuffer(SLOTS * slotBytes);
  // Lean: the worker reads no environment variable, writes nothing and opens no descriptor, so it
  // shares the environment and gets no stdio streams of its own (less to set up while it boots).
  const worker = new (workerThreads().Worker)(WORKER_SOURCE, {
    eval: true,
    workerData: { ctl: ctlBuf, data: dataBuf, slotBytes },
    env: workerThreads().SHARE_ENV,
    stdout: true,
    stderr: true,
    trackUnmanagedFds: false,
  });
  worker.unref();
  return { worker, ctlBuf, dataBuf, slotBytes };
}

/**
 * A worker started ahead of the inputs by prestartHashWorker, for the next HashService to take.
 * Kept on the global object under a registered symbol: bin/flowaudit.js starts it from
 * dist/prestart.cjs (a bundle of its own, loaded before the main bundle), and the main bundle's
 * copy of this module takes it from there.
 */
const EARLY = Symbol.for('flowaudit.hashWorker.early');
const slot = globalThis as { [EARLY]?: SpawnedWorker | null };

/**
 * Start the hash worker now, before the inputs are opened, when they hold at least
 * WORKER_MIN_BYTES: its boot (a Node environment and the crypto module, 40–80 ms) then overlaps
 * loading the policy instead of stalling the reader on a full ring at its first chunks. The next
 * HashService that wants a worker takes this one; an unused one does not keep the process alive.
 */
export function prestartHashWorker(expectedBytes: number): void {
  if ((slot[EARLY] ?? null) !== null || expectedBytes < WORKER_MIN_BYTES) return;
  try {
    const w = spawnWorker(SLOT_BYTES);
    w.worker.once('error', () => (w.failed = true));
    slot[EARLY] = w;
  } catch {
    slot[EARLY] = null; // no worker threads here: HashService hashes on this thread
  }
}

/** Whether a prestarted worker is waiting to be taken (tests). */
export function hashWorkerPrestarted(): boolean {
  return (slot[EARLY] ?? null) !== null;
}

export class HashService {
  private worker: Worker | null = null;
  private ctl: Int32Array | null = null;
  private data: Uint8Array | null = null;
  private slot = 0;
  private fill = 0;
  private slotId = -1;
  private acquired = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;
  private readonly slotBytes: number;
  private readonly readInPlace: boolean;
  /** The slot handed out by acquireBuffer, not yet published; and where its new bytes start. */
  private lent = false;
  private off = 0;

  constructor(opts: HashServiceOptions = {}) {
    this.slotBytes = opts.slotBytes ?? SLOT_BYTES;
    this.readInPlace = opts.readInPlace === true;
    const wantWorker = opts.worker ?? (opts.expectedBytes ?? 0) >= WORKER_MIN_BYTES;
    if (wantWorker) this.startWorker();
  }

  /** True when hashing runs on a worker thread. */
  get onWorker(): boolean {
    return this.worker !== null;
  }

  open(): InputHash {
    return this.worker ? new RingHash(this, this.nextId++, this.readInPlace) : new LocalHash();
  }

  /** Stop the worker (pending digests are rejected). Idempotent. */
  close(): void {
    const w = this.worker;
    if (!w || !this.ctl) return;
    try {
      this.publishControl(-2, 0);
    } catch {
      // worker already gone
    }
    this.worker = null;
    void w.terminate();
    for (const p of this.pending.values()) p.reject(new Error('hashing was cancelled'));
    this.pending.clear();
  }

  private startWorker(): void {
    try {
      const early = slot[EARLY] ?? null;
      const taken = early !== null && early.slotBytes === this.slotBytes && early.failed !== true ? early : null;
      if (taken) slot[EARLY] = null;
      const { worker: w, ctlBuf, dataBuf } = taken ?? spawnWorker(this.slotBytes);
      w.on('message', (m: { id: number; hex?: string; error?: string }) => {
        if (m.error !== undefined) return this.fail(new Error(m.error));
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) w.unref();
        p?.resolve(m.hex ?? '');
      });
      w.on('error', (e) => this.fail(e));
      this.worker = w;
      this.ctl = new Int32Array(ctlBuf);
      this.data = new Uint8Array(dataBuf);
    } catch {
      this.worker = null; // no worker threads here: hash on this thread
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** @internal RingHash → copy bytes of input `id` into the ring. */
  put(id: number, buf: Uint8Array, start: number, length: number): void {
    const data = this.data!;
    const SLOT = this.slotBytes;
    while (length > 0) {
      if (this.acquired && this.slotId !== id && this.fill > 0) this.publish();
      if (!this.acquired) this.acquire(id);
      this.slotId = id;
      const n = Math.min(length, SLOT - this.fill);
      data.set(buf.subarray(start, start + n), this.slot * SLOT + this.fill);
      this.fill += n;
      start += n;
      length -= n;
      if (this.fill === SLOT) this.publish();
    }
  }

  /** @internal RingHash → the next slot, for input `id`'s reader to read into (null: read elsewhere). */
  acquireBuffer(id: number): Uint8Array | null {
    if (!this.readInPlace || !this.worker || this.failure) return null;
    if (this.acquired && this.fill > 0) this.publish(); // bytes copied by put() go first
    if (!this.acquired) this.acquire(id);
    this.slotId = id;
    this.lent = true;
    const at = this.slot * this.slotBytes;
    return this.data!.subarray(at, at + this.slotBytes);
  }

  /** @internal RingHash → hash `length` bytes at `start` of the lent slot (the reader keeps reading them). */
  publishBuffer(id: number, start: number, length: number): void {
    if (!this.lent) throw new Error('publishBuffer without acquireBuffer');
    this.lent = false;
    this.slotId = id;
    this.fill = length;
    this.off = start;
    this.publish();
  }

  /** @internal RingHash → flush input `id` and ask for its digest. */
  finish(id: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.worker) return Promise.reject(new Error('hashing was cancelled'));
    if (this.acquired && this.slotId === id && this.fill > 0) this.publish();
    const done = new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.ref(); // keep the process alive until the digest arrives
    this.publishControl(id, -1);
    return done;
  }

  private publishControl(id: number, len: number): void {
    if (this.acquired && this.fill > 0) this.publish();
    if (!this.acquired) this.acquire(id);
    this.slotId = id;
    this.fill = len;
    this.publish();
  }

  private acquire(id: number): void {
    const ctl = this.ctl!;
    let waited = 0;
    while (Atomics.load(ctl, this.slot) !== 0) {
      if (Atomics.load(ctl, DEAD) !== 0 || this.failure) throw this.failure ?? new Error('the hash worker stopped');
      if (waited >= GIVE_UP_MS) throw new Error('the hash worker does not answer');
      Atomics.wait(ctl, this.slot, 1, WAIT_MS);
      waited += WAIT_MS;
    }
    this.acquired = true;
    this.slotId = id;
    this.fill = 0;
  }

  private publish(): void {
    const ctl = this.ctl!;
    const s = this.slot;
    ctl[OFF + s] = this.off;
    this.off = 0;
    this.lent = false;
    ctl[LEN + s] = this.fill;
    ctl[ID + s] = this.slotId;
    Atomics.store(ctl, s, 1);
    Atomics.notify(ctl, s);
    this.slot = (s + 1) % SLOTS;
    this.fill = 0;
    this.acquired = false;
  }
}

class LocalHash implements InputHash {
  private readonly h: Hash = createHash('sha256');
  bytes = 0;
  update(buf: Uint8Array, start: number, length: number): void {
    this.h.update(buf.subarray(start, start + length));
    this.bytes += length;
  }
  digest(): Promise<string> {
    return Promise.resolve(this.h.digest('hex'));
  }
}

class RingHash implements InputHash {
  bytes = 0;
  readonly ring: BufferRing | null;
  constructor(
    private readonly service: HashService,
    private readonly id: number,
    inPlace: boolean,
  ) {
    this.ring = inPlace
      ? {
          acquire: () => service.acquireBuffer(id),
          publish: (_buf, start, length) => {
            service.publishBuffer(id, start, length);
            this.bytes += length;
          },
        }
      : null;
  }
  update(buf: Uint8Array, start: number, length: number): void {
    this.service.put(this.id, buf, start, length);
    this.bytes += length;
  }
  digest(): Promise<string> {
    return this.service.finish(this.id);
  }
}
