/**
 * Canonical JSON (object keys sorted recursively, no whitespace) and SHA-256 over it: the stable
 * basis of the matrix and inventory digests and of the audit result hash (audit/evidence.ts).
 */
import { createHash } from 'node:crypto';

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
  const out = { s: '' };
  if (omit && isPlainObject(value)) writeObject(value, out, omit.top, omit.nested);
  else writeCanonical(value, out);
  return out.s;
}

/** sha256Hex(canonicalJson(value, omit)): the audit result hash (audit/evidence.ts). */
export function canonicalSha256(value: unknown, omit?: CanonicalOmit): string {
  return sha256Hex(canonicalJson(value, omit));
}

export interface CanonicalOmit {
  top: readonly string[];
  nested?: { key: string; keys: readonly string[] };
}

/**
 * The fast way: a copy of `value` whose objects hold their keys in sorted order, which
 * JSON.stringify (native) then writes as they are; two to four times faster than writing piece by
 * piece for a report of megabytes. An object with an array-index key ("0", "17") cannot be copied
 * so, since every object lists those keys first, in numeric order: then NOT_COPYABLE, and the
 * writer below is used. Copies are plain objects (a null-prototype object is a dictionary in V8,
 * slower to build and to stringify: the copy of a 1M-packet audit's report took twice as long);
 * a key "__proto__" is defined as an own property, so it stays a key.
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
  if (!inOrder(keys)) keys.sort(); // UTF-16 code units, as a < b
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (skip !== null && skip.includes(k)) continue;
    const c0 = k.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && ARRAY_INDEX.test(k) && Number(k) < 4294967295) throw NOT_COPYABLE;
    const x = o[k];
    const v = nested !== undefined && k === nested.key && isPlainObject(x) ? copyObject(x, nested.keys, undefined) : x === null || typeof x !== 'object' ? x : copyValue(x);
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return false;
  return true;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/** Whether JSON.stringify leaves a member out of an object (and writes null for it in an array). */
function absent(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** The piece-by-piece writer, for values holding an object with array-index keys. */
function writeCanonical(value: unknown, out: { s: string }): void {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(): unknown }).toJSON();
  if (Array.isArray(value)) {
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
  out.s += String(JSON.stringify(value));
}

function writeObject(o: Record<string, unknown>, out: { s: string }, skip: readonly string[] | null, nested: { key: string; keys: readonly string[] } | undefined): void {
  const keys = Object.keys(o).sort();
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
