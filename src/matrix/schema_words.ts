/**
 * Matrix and inventory problems in words (issue 20): a JSON pointer such as `/rules/1/ports/0`
 * becomes `rule 2 ("web"), ports[0]`, and a schema error says what was written and what to write
 * instead: `site.json: rule 2 ("web"), ports[0]: 443 is a number; write "443"`. One problem per
 * line, each starting with the file, in the style of the inventory's own errors.
 */
import type { ErrorObject } from 'ajv';

/** The pointer's segments, unescaped (`~1` → `/`, `~0` → `~`). */
function segments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `path` in `data`, or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const s of segments(pointer)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

const isIndex = (s: string): boolean => /^\d+$/.test(s);

/** `field`, `field[3]`, `field[3], inner` for what is below a rule, feature or role. */
function tail(rest: readonly string[]): string {
  const out: string[] = [];
  for (const s of rest) {
    if (isIndex(s) && out.length > 0) out[out.length - 1] += `[${s}]`;
    else out.push(isIndex(s) ? `item ${Number(s) + 1}` : s);
  }
  return out.join(', ');
}

/**
 * A pointer in words: `/` → "" (the file itself), `/rules/1/ports/0` → `rule 2 ("b"), ports[0]`,
 * `/roles/ams-server/0` (inventory) → `role "ams-server", member 1`, `/name` → `"name"`.
 */
export function pathInWords(pointer: string, data: unknown): string {
  const s = segments(pointer);
  const [head, key, ...rest] = s;
  if (head === undefined) return '';
  let where: string;
  if ((head === 'rules' || head === 'features') && key !== undefined && isIndex(key)) {
    const item = valueAt(data, `/${head}/${key}`) as Record<string, unknown> | string | undefined;
    const name = typeof item === 'string' ? item : head === 'rules' ? item?.id : item?.name; // inventory features are strings
    where = `${head === 'rules' ? 'rule' : 'feature'} ${Number(key) + 1}${typeof name === 'string' && name !== '' ? ` (${JSON.stringify(name)})` : ''}`;
  } else if (head === 'roles' && key !== undefined) {
    where = `role ${JSON.stringify(key)}`;
    if (rest.length > 0 && isIndex(rest[0]!)) return `${where}, member ${Number(rest.shift()) + 1}${rest.length ? `, ${tail(rest)}` : ''}`;
  } else if (head === 'names' && key !== undefined) {
    where = `name of ${JSON.stringify(key)}`;
  } else {
    return tail([JSON.stringify(head), ...(key !== undefined ? [key] : []), ...rest]);
  }
  return rest.length ? `${where}, ${tail(rest)}` : where;
}

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : String(v));
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/** What to write instead of a port that does not match `^\d+(-\d+)?$`. */
function portAdvice(v: unknown): string {
  const text = String(v).trim();
  const m = /^(tcp|udp)\s*[/:]\s*(\d+(?:-\d+)?)$/i.exec(text) ?? /^(\d+(?:-\d+)?)\s*[/:]\s*(tcp|udp)$/i.exec(text);
  if (m) {
    const [proto, port] = /^\d/.test(m[1]!) ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    return `${show(v)} is not a port; write "${port}" with "protocol": "${proto.toLowerCase()}" (one protocol per rule)`;
  }
  return `${show(v)} is not a port; write a port "443" or a range "49152-65535"`;
}

/** A schema error as a sentence about the value found (data is the whole file). */
/**
 * A matrix given as the inventory, or an inventory as a matrix: one line that says so, instead of
 * a schema error for every key (null when the file is not the other kind).
 */
export function misplacedFile(kind: 'matrix' | 'inventory', data: unknown): string | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const o = data as Record<string, unknown>;
  if (kind === 'inventory' && Array.isArray(o.rules)) return 'this is a flow matrix (it has "rules"), not an inventory; give it with --matrix';
  const roles = o.roles;
  if (kind === 'matrix' && !('rules' in o) && roles !== null && typeof roles === 'object' && Object.values(roles).some((r) => Array.isArray(r))) {
    return 'this is an inventory (roles list their members), not a flow matrix; give it with --inventory';
  }
  return null;
}

export function schemaErrorInWords(e: ErrorObject, data: unknown): string {
  const v = valueAt(data, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing ${JSON.stringify(p.missingProperty)}`;
    case 'additionalProperties':
      return `${JSON.stringify(p.additionalProperty)} is not an allowed property`;
    case 'type': {
      const want = String(p.type);
      const fix = want === 'string' && (typeof v === 'number' || typeof v === 'boolean') ? `; write "${String(v)}"` : want === 'array' && typeof v === 'string' ? `; write [${JSON.stringify(v)}]` : '';
      const what = v !== null && typeof v === 'object' ? 'is' : `${show(v)} is`;
      return `${what} ${kindOf(v)}, not ${want === 'array' ? 'a list' : want === 'object' || want === 'integer' ? `an ${want}` : `a ${want}`}${fix}`;
    }
    case 'enum':
      return `${show(v)} is not one of ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
    case 'pattern':
      if (/\/ports\/\d+$/.test(e.instancePath)) return portAdvice(v);
      if (/\/hosts\/\d+$/.test(e.instancePath)) return `${show(v)} is not a host name or *.suffix pattern`;
      return `${show(v)} is not a name in lower case with dashes, e.g. "ams-ldap"`;
    case 'minimum':
      return `${show(v)} is below ${String(p.limit)}`;
    case 'minItems':
      return `is empty; list at least ${String(p.limit)}`;
    case 'minLength':
      return 'is empty';
    case 'propertyNames':
      return `${JSON.stringify(p.propertyName)} is not a name in lower case with dashes, e.g. "ams-server"`;
    default:
      return `${show(v)}: ${e.message ?? e.keyword}`;
  }
}
