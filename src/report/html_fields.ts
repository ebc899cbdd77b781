/**
 * Small HTML pieces shared by the report's sections: an address with its best name and evidence
 * (the address in a nowrap monospace box, the name after it), per-member coverage, a diagnosis,
 * near-miss references, and `generic()` for fields other features add that this renderer does not
 * know. Every string passes through esc().
 */
import type { NameRef } from '../audit/grouping.js';
import { esc, token } from './html_escape.js';

type Loose = Record<string, unknown>;
export type AddrHtml = (address: string) => string;

/** `<span class="addr">10.0.0.10</span> <span class="nm">ams1 <span class="src">[inventory]</span></span>`. */
export function addrHtml(names: (address: string) => NameRef[]): AddrHtml {
  return (a) => {
    const n = names(a)[0];
    const box = `<span class="addr">${esc(a)}</span>`;
    return n === undefined || n.name === a ? box : `${box} <span class="nm">${esc(n.name)} <span class="src">[${esc(n.source)}]</span></span>`;
  };
}

export const isObj = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Render an unknown JSON value readably: strings escaped, arrays as lists, objects as key: value. */
export function generic(v: unknown, depth = 0): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return esc(v);
  if (depth > 4) return esc(JSON.stringify(v));
  if (Array.isArray(v)) {
    if (v.length === 0) return '';
    const shown = v.slice(0, 50).map((x) => `<li>${generic(x, depth + 1)}</li>`);
    if (v.length > 50) shown.push(`<li class="muted">… ${v.length - 50} more</li>`);
    return `<ul class="extra">${shown.join('')}</ul>`;
  }
  if (isObj(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined && x !== null && !(Array.isArray(x) && x.length === 0));
    return entries.map(([k, x]) => `<span class="muted">${esc(k)}:</span> ${generic(x, depth + 1)}`).join('; ');
  }
  return esc(String(v));
}

/** An array of objects with a `text` (near misses, findings) as a plain list; null if not that shape. */
export function textList(v: unknown): string | null {
  if (!Array.isArray(v) || !v.every((x) => isObj(x) && typeof x.text === 'string')) return null;
  return `<ul class="extra">${v.map((x) => `<li>${esc((x as Loose).text as string)}</li>`).join('')}</ul>`;
}

/** Per-member coverage: `status member (name): answered/connections`, else generic. */
export function coverage(v: unknown, addr: AddrHtml): string {
  if (!Array.isArray(v) || !v.every((x) => isObj(x) && typeof x.member === 'string' && typeof x.status === 'string')) return generic(v);
  const items = (v as Loose[]).map((c) => {
    const single = c.kind === 'ipv4' || c.kind === 'ipv6';
    const member = single ? addr(c.member as string) : `<span class="addr">${esc(c.member as string)}</span>`;
    const name = !single && typeof c.name === 'string' && c.name ? ` (${esc(c.name)})` : '';
    const conns = typeof c.connections === 'number' && c.connections > 0 ? `: ${esc(c.answered as number)}/${esc(c.connections)} answered` : '';
    return `<li><span class="cov-${token(c.status as string)}">${esc(c.status as string)}</span> ${member}${name}${conns}</li>`;
  });
  return `<ul class="extra">${items.join('')}</ul>`;
}

/** A diagnosis: its summary, then the text of each finding; else generic. */
export function diagnosis(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (!isObj(v) || typeof v.summary !== 'string') return generic(v);
  const findings = textList(v.findings) ?? '';
  return `${esc(v.summary)}${findings}`;
}

/** Rule evidence: which names gave each server the destination role. */
export function ruleNames(v: unknown, addr: AddrHtml): string {
  if (!Array.isArray(v)) return generic(v);
  const items = (v as unknown[])
    .filter((e): e is Loose => isObj(e) && Array.isArray(e.names) && (e.names as unknown[]).length > 0)
    .map((e) => `<li>${addr(e.server as string)}: ${esc((e.names as unknown[]).join(', '))}${Array.isArray(e.sources) ? ` <span class="muted">(${esc((e.sources as unknown[]).join(', '))})</span>` : ''}</li>`);
  return items.length ? `<ul class="extra">${items.join('')}</ul>` : '';
}
