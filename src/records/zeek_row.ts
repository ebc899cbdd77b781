/**
 * Zeek log rows by field name, whatever the writer: the ASCII (TSV) writer, read through its
 * `#separator`, `#set_separator`, `#empty_field`, `#unset_field` and `#fields` header lines (never by
 * column position: columns differ across Zeek versions and loaded scripts), or the JSON writer (one
 * object per line, dotted keys like `id.orig_h`, or nested objects, unset fields absent).
 */

/** A row: raw value of a field (unescaped), or null when unset, absent or the empty field. */
export interface ZeekRow {
  get(name: string): string | null;
  /** A set/vector field as its elements ([] for the empty set), or null when unset/absent. */
  list(name: string): string[] | null;
  has(name: string): boolean;
}

/** Field names Log::default_field_name_map (or an ES pipeline) may use instead of Zeek's own. */
const ALIASES: Record<string, readonly string[]> = {
  'id.orig_h': ['id.orig_h', 'id_orig_h', 'src_ip', 'orig_h'],
  'id.orig_p': ['id.orig_p', 'id_orig_p', 'src_port', 'orig_p'],
  'id.resp_h': ['id.resp_h', 'id_resp_h', 'dst_ip', 'resp_h'],
  'id.resp_p': ['id.resp_p', 'id_resp_p', 'dst_port', 'resp_p'],
};

export function aliasesOf(name: string): readonly string[] {
  return ALIASES[name] ?? [name];
}

/** Zeek's ASCII escapes: `\xHH` for a byte (the separator, non-printables), `\\` for a backslash. */
export function unescapeZeek(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  const bytes: number[] = [];
  let plain = true;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && s[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
      const b = parseInt(s.slice(i + 2, i + 4), 16);
      if (b >= 0x80) plain = false;
      bytes.push(b);
      i += 3;
    } else if (ch === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
    }
  }
  out = plain ? String.fromCharCode(...bytes) : Buffer.from(bytes).toString('utf8');
  return out;
}

/** What the # directives of a Zeek ASCII log have set (ZeekTsvHeader.snapshot / restore). */
export interface ZeekHeaderState {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path: string | null;
  fields: string[] | null;
  types: string[] | null;
}

/** The header state of a Zeek ASCII log (a file may repeat its header block, e.g. concatenated logs). */
export class ZeekTsvHeader {
  separator = '\t';
  setSeparator = ',';
  emptyField = '(empty)';
  unsetField = '-';
  path: string | null = null;
  fields: string[] | null = null;
  types: string[] | null = null;
  private index = new Map<string, number>();

  /**
   * Read a `#` line. Returns true when it was a header directive this reader knows. Other `#`
   * lines (`#open`, `#close`, btest's `### BTest baseline` line) are ignored by the caller.
   */
  directive(line: string): boolean {
    if (line.startsWith('#separator ')) {
      this.separator = unescapeZeek(line.slice('#separator '.length));
      return true;
    }
    const sep = this.separator;
    const cut = line.indexOf(sep);
    if (cut < 0) return false;
    const key = line.slice(1, cut);
    const rest = line.slice(cut + sep.length);
    switch (key) {
      case 'set_separator':
        this.setSeparator = unescapeZeek(rest);
        return true;
      case 'empty_field':
        this.emptyField = unescapeZeek(rest);
        return true;
      case 'unset_field':
        this.unsetField = unescapeZeek(rest);
        return true;
      case 'path':
        this.path = unescapeZeek(rest);
        return true;
      case 'fields':
        this.fields = rest.split(sep);
        this.index = new Map(this.fields.map((f, i) => [f, i]));
        return true;
      case 'types':
        this.types = rest.split(sep);
        return true;
      default:
        return false;
    }
  }

  /** The header state, to be restored elsewhere (a parse worker continues under the same header). */
  snapshot(): ZeekHeaderState {
    const { separator, setSeparator, emptyField, unsetField, path, fields, types } = this;
    return { separator, setSeparator, emptyField, unsetField, path, fields, types };
  }

  restore(s: ZeekHeaderState): void {
    Object.assign(this, s);
    this.index = new Map((s.fields ?? []).map((f, i) => [f, i]));
  }

  column(name: string): number {
    for (const n of aliasesOf(name)) {
      const i = this.index.get(n);
      if (i !== undefined) return i;
    }
    return -1;
  }

  /** A data line as a row, or an error text (wrong number of columns). */
  row(line: string): ZeekRow | string {
    const fields = this.fields;
    if (fields === null) return 'data line before any #fields header line';
    const values = line.split(this.separator);
    if (values.length !== fields.length) return `${values.length} columns, but #fields names ${fields.length}`;
    return new TsvRow(this, values);
  }
}

class TsvRow implements ZeekRow {
  constructor(
    private readonly h: ZeekTsvHeader,
    private readonly values: string[],
  ) {}
  private raw(name: string): string | null {
    const i = this.h.column(name);
    if (i < 0) return null;
    const v = this.values[i]!;
    if (v === this.h.unsetField) return null;
    return v;
  }
  get(name: string): string | null {
    const v = this.raw(name);
    if (v === null || v === this.h.emptyField) return v === null ? null : '';
    return unescapeZeek(v);
  }
  list(name: string): string[] | null {
    const v = this.raw(name);
    if (v === null) return null;
    if (v === this.h.emptyField || v === '') return [];
    return v.split(this.h.setSeparator).map(unescapeZeek);
  }
  has(name: string): boolean {
    return this.h.column(name) >= 0;
  }
}

/** A Zeek JSON line's object, flattened to dotted keys (`{"id":{"orig_h":..}}` → `id.orig_h`). */
export class JsonRow implements ZeekRow {
  private readonly flat = new Map<string, unknown>();
  constructor(obj: Record<string, unknown>) {
    flatten(obj, '', this.flat);
  }
  private raw(name: string): unknown {
    for (const n of aliasesOf(name)) {
      const v = this.flat.get(n);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  get(name: string): string | null {
    const v = this.raw(name);
    if (v === undefined || v === null) return null;
    if (Array.isArray(v)) return v.map(String).join(',');
    return String(v);
  }
  list(name: string): string[] | null {
    const v = this.raw(name);
    if (v === undefined || v === null) return null;
    return Array.isArray(v) ? v.map(String) : [String(v)];
  }
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Map<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${key}.`, out);
    else out.set(key, v);
  }
}
