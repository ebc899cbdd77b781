/**
 * Compressed inputs, recognised by their magic bytes (never by the file name) and decompressed as
 * a stream. gzip always (Node's zlib: several members, as `cat a.gz b.gz` makes, are one stream).
 * zstd, xz and bzip2 are recognised and refused with the command that decompresses them: Node 20's
 * zlib has no zstd (added in Node 22.15/23.8), and no xz or bzip2 at all.
 */
import { zlib } from '../lazy_builtins.js';
import { InputError } from '../errors.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'bzip2';

/** Compression format by magic at the start of `head`, or null (needs up to 6 bytes). */
export function compressionOf(head: Uint8Array): Compression | null {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a && b(5) === 0x00) return 'xz';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  return null;
}

/** Bytes compressionOf() looks at. */
export const COMPRESSION_MAGIC_BYTES = 6;

const TOOL: Record<Exclude<Compression, 'gzip'>, string> = { zstd: 'zstd -d', xz: 'xz -d', bzip2: 'bzip2 -d' };

/** The error for a compression this Node cannot stream. */
export function unsupportedCompression(name: string, c: Exclude<Compression, 'gzip'>): InputError {
  const why = c === 'zstd' ? `this Node (${process.version}) has no zstd in zlib (Node ≥ 22.15 has)` : `Node's zlib has no ${c}`;
  const stem = name === '-' ? 'capture' : name.replace(/\.(zst|zstd|xz|bz2)$/i, '');
  return new InputError(
    `${name}: ${c}-compressed capture, and ${why}. Decompress it first: ${TOOL[c]} -c ${name === '-' ? '' : `'${name}' `}> '${stem === name ? `${stem}.pcap` : stem}', or stream it: ${TOOL[c]} -c ${name === '-' ? '' : `'${name}' `}| flowaudit audit -`
  );
}

/**
 * Gunzip the chunks pulled from `next` (not a for-await loop: when decompression fails the
 * caller keeps the raw iterator and reads the rest of the stored bytes for the hash).
 */
export async function* gunzipChunks(next: () => Promise<IteratorResult<Uint8Array>>): AsyncGenerator<Uint8Array> {
  const gz = zlib().createGunzip();
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  gz.on('data', (c: Buffer) => {
    out.push(c);
    poke();
  });
  gz.on('error', (e) => {
    failure = e;
    poke();
  });
  gz.on('end', () => {
    ended = true;
    poke();
  });
  for (;;) {
    if (failure) break;
    const r = await next();
    if (r.done) break;
    if (!gz.write(r.value)) {
      // Wait for drain or an error only (not for output: that would write on past the buffer,
      // and leave a drain listener behind each time).
      await new Promise<void>((res) => {
        const done = (): void => {
          gz.off('drain', done);
          gz.off('error', done);
          res();
        };
        gz.on('drain', done);
        gz.on('error', done);
      });
    }
    while (out.length > 0) yield out.shift()!;
  }
  if (!failure) gz.end();
  while (!ended && !failure) {
    if (out.length > 0) yield out.shift()!;
    else await new Promise<void>((res) => (wake = res));
  }
  while (out.length > 0) yield out.shift()!;
  if (failure) throw failure;
}
