/**
 * Canonical JSON (object keys sorted recursively, no whitespace) and SHA-256 over it: the stable
 * basis of the matrix and inventory digests and of the audit result hash (audit/evidence.ts).
 */
import { createHash, type Hash } from 'node:crypto';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted recursively and no whitespace: a stable basis for hashing. Values
 * are taken as JSON.stringify takes them (toJSON, undefined and functions dropped from objects and
 * null in arrays, non-finite numbers null), so canonicalJson(x) === canonicalJson(JSON.parse(
 * JSON.stringify(x))) without that round trip. `omit` leaves out keys of the top-level object
 * (and, under `omit.nested`, of one of its members) as if they were absent.
 */
export function canonicalJson(value: unknown, omit?: CanonicalOmit): string {
  const copy = sortedCopy(value, omit);
  if (copy !== NOT_COPYABLE) return String(JSON.stringify(copy));
  const out: Out = { s: '', hash: null };
  write(value, out, omit);
  return out.s;
}

/**
 * sha256Hex(canonicalJson(value, omit)) without the string: the text goes to the hash in pieces of
 * about 64 KiB (whole JSON tokens, so no character is split), which spares the report hash
 * (audit/evidence.ts) a megabyte string of many small pieces and the garbage collection it costs.
 */
export function canonicalSha256(value: unknown, omit?: CanonicalOmit): string {
  const copy = sortedCopy(value, omit);
  if (copy !== NOT_COPYABLE) return createHash('sha256').update(String(JSON.stringify(copy))).digest('hex');
  const out: Out = { s: '', hash: createHash('sha256') };
  write(value, out, omit);
  return out.hash!.update(out.s).digest('hex');
}

/**
 * The fast way: a copy of `value` whose objects hold their keys in sorted order, which
 * JSON.stringify (native) then writes as they are; two to four times faster than writing piece by
 * piece for a report of megabytes. An object with an array-index key ("0", "17") cannot be copied
 * so, since every object lists those keys first, in numeric order: then NOT_COPYABLE, and the
 * writer below is used. Copies are null-prototype objects, so a key "__proto__" stays a key.
 */
function sortedCopy(value: unknown, omit: CanonicalOmit | undefined): unknown {
  try {
    if (omit && isPlainObject(value)) return copyObject(value, omit.top, omit.nested);
    return copyValue(value);
  } catch (e) {
    if (e === NOT_COPYABLE) return NOT_COPYABLE;
    throw e;
  }
}
const NOT_COPYABLE: unique symbol = Symbol('not copyable');
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

function copyValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return copyValue((v as { toJSON(): unknown }).toJSON());
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = x === null || typeof x !== 'object' ? x : copyValue(x);
    }
    return out;
  }
  return copyObject(v as Record<string, unknown>, null, undefined);
}

function copyObject(o: Record<string, unknown>, skip: readonly string[] | null, nested: { key: string; keys: readonly string[] } | undefined): Record<string, unknown> {
  const keys = Object.keys(o);
  if (!inOrder(keys)) keys.sort();
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of keys) {
    if (skip !== null && skip.includes(k)) continue;
    if (ARRAY_INDEX.test(k) && Number(k) < 4294967295) throw NOT_COPYABLE;
    const x = o[k];
    if (nested !== undefined && k === nested.key && isPlainObject(x)) out[k] = copyObject(x, nested.keys, undefined);
    else out[k] = x === null || typeof x !== 'object' ? x : copyValue(x);
  }
  return out;
}

export interface CanonicalOmit {
  top: readonly string[];
  nested?: { key: string; keys: readonly string[] };
}

/** The text so far; with a hash, flushed into it once past FLUSH_AT characters. */
interface Out {
  s: string;
  hash: Hash | null;
}
const FLUSH_AT = 1 << 16;

function write(value: unknown, out: Out, omit: CanonicalOmit | undefined): void {
  // One pass appending to a single string (V8 ropes), no per-node arrays.
  if (omit && isPlainObject(value)) writeObject(value, out, omit.top, omit.nested);
  else writeCanonical(value, out);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** Whether JSON.stringify leaves a member out of an object (and writes null for it in an array). */
function absent(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function writeCanonical(value: unknown, out: Out): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(): unknown }).toJSON();
  if (Array.isArray(value)) {
    // An array of plain values (a list of addresses, Community IDs) is JSON.stringify's own text.
    if (allPlain(value)) return append(out, JSON.stringify(value));
    out.s += '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.s += ',';
      const v: unknown = value[i];
      if (absent(v)) out.s += 'null';
      else writeCanonical(v, out);
    }
    out.s += ']';
    return;
  }
  if (value !== null && typeof value === 'object') {
    writeObject(value as Record<string, unknown>, out, null, undefined);
    return;
  }
  append(out, String(JSON.stringify(value)));
}

function append(out: Out, text: string): void {
  out.s += text;
  if (out.hash !== null && out.s.length > FLUSH_AT) {
    out.hash.update(out.s);
    out.s = '';
  }
}

/** No member is an object or array (each one's JSON is JSON.stringify's, whatever the key order). */
function allPlain(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v === 'object') return false;
  }
  return true;
}

function writeObject(o: Record<string, unknown>, out: Out, skip: readonly string[] | null, nested: { key: string; keys: readonly string[] } | undefined): void {
  const keys = Object.keys(o);
  // Keys already in order and plain values only (most rows of a report): JSON.stringify's text.
  if (skip === null && isPlainObject(o) && inOrder(keys) && allPlain(Object.values(o))) return append(out, JSON.stringify(o));
  keys.sort(); // default order: UTF-16 code units, as a < b
  out.s += '{';
  let first = true;
  for (const k of keys) {
    if (skip !== null && skip.includes(k)) continue;
    const v = o[k];
    if (absent(v)) continue;
    out.s += first ? `${JSON.stringify(k)}:` : `,${JSON.stringify(k)}:`;
    first = false;
    if (nested !== undefined && k === nested.key && isPlainObject(v)) writeObject(v, out, nested.keys, undefined);
    else writeCanonical(v, out);
  }
  out.s += '}';
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}
