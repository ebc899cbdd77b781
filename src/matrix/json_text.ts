/**
 * Policy files as text (issue 8): the bytes of a matrix or inventory file decoded the way Windows
 * tools write them (UTF-8 with or without BOM; UTF-16 LE/BE with BOM, what PowerShell 5's
 * `Out-File` writes by default), and duplicate object keys found before JSON.parse silently keeps
 * the last one (a second "roles" would drop the first list without a word).
 */
import { PolicyError } from '../errors.js';

/** Decode a policy file's bytes to text; a clear error for UTF-16 without BOM and for invalid UTF-8. */
export function decodeJsonBytes(bytes: Uint8Array, file: string, code: 'matrix' | 'inventory'): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16le').decode(swap16(bytes.subarray(2)));
  }
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes.length >= start + 2 && (bytes[start] === 0 || bytes[start + 1] === 0)) {
    throw new PolicyError(`${file}: looks like UTF-16 without a byte-order mark; save it as UTF-8, or as UTF-16 with a BOM`, code);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    throw new PolicyError(`${file}: is not UTF-8 text; save it as UTF-8 (with or without BOM) or UTF-16 with a BOM`, code);
  }
}

function swap16(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - (b.length % 2));
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1]!;
    out[i + 1] = b[i]!;
  }
  return out;
}

function lineCol(text: string, offset: number): string {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) {
    line++;
    last = i;
  }
  return `${line}:${offset - last}`;
}

/**
 * The first duplicate key in a JSON text that already parsed, as "file:L:C: duplicate key ... (first
 * at L:C)", or null. A small scanner: strings (with escapes) are skipped as a whole; in an object
 * the string after `{` or `,` is a key.
 */
export function duplicateKeyError(text: string, file: string): string | null {
  const stack: { keys: Map<string, number>; object: boolean; wantKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.object && top.wantKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const first = top.keys.get(key);
        if (first !== undefined) {
          return `${file}:${lineCol(text, i)}: duplicate key ${JSON.stringify(key)} (first at ${lineCol(text, first)}); JSON would keep only the last one`;
        }
        top.keys.set(key, i);
        top.wantKey = false;
      }
      i = j;
    } else if (ch === '{') stack.push({ keys: new Map(), object: true, wantKey: true });
    else if (ch === '[') stack.push({ keys: new Map(), object: false, wantKey: false });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top?.object) top.wantKey = true;
    }
  }
  return null;
}
