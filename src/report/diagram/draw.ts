/**
 * Drawing the laid-out diagram as SVG (step 4 of 4). Edges first, so nodes are drawn over their
 * ends; each edge's port label sits beside its arrow head, outside the node, on a white halo so a
 * line crossing behind it does not hide it. Every string goes through esc().
 */
import { esc } from '../html_escape.js';
import type { Edge } from './edges.js';
import { UNLISTED_CLIENTS, UNLISTED_SERVERS } from './edges.js';
import { LINE, MARGIN, NODE_W, type Layout, type LayoutNode } from './layout.js';
import { EDGE_STYLE } from './style.js';

const HEADS = ['clients', 'clients and servers', 'servers'];

export function r1(v: number): string {
  return String(Math.round(v * 10) / 10);
}

export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Arrow heads of every kind; `firewall-blocked` (issue 21) only when an edge uses it, so reports without --firewall are unchanged. */
export function markers(used: ReadonlySet<string> = new Set()): string[] {
  const out = ['<defs>'];
  for (const [kind, s] of Object.entries(EDGE_STYLE)) {
    if (kind === 'firewall-blocked' && !used.has(kind)) continue;
    out.push(
      `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${s.color}"/></marker>`,
    );
  }
  out.push('</defs>');
  return out;
}

export function columnHeads(l: Layout): string[] {
  return l.usedCols.map((c) => `<text x="${l.colX.get(c)! + NODE_W / 2}" y="${MARGIN + 8}" text-anchor="middle" fill="#555" font-size="11">${HEADS[c]}</text>`);
}

function pathOf(l: Layout, i: number, e: Edge): { d: string; q: { x: number; y: number; side: 'left' | 'right' } } {
  const a = l.nodes.get(e.from)!;
  const b = l.nodes.get(e.to)!;
  const p = l.point(i, a.role, a.col <= b.col ? 'right' : 'left');
  const q = l.point(i, b.role, a.col < b.col ? 'left' : 'right');
  const dxp = (p.side === 'right' ? 1 : -1) * Math.max(60, Math.abs(q.x - p.x) / 2);
  const dxq = (q.side === 'right' ? 1 : -1) * Math.max(60, Math.abs(q.x - p.x) / 2);
  const lane = l.bypass.get(i);
  const mx0 = (l.colX.get(1) ?? 0) - 12;
  const mx1 = (l.colX.get(1) ?? 0) + NODE_W + 12;
  const d =
    lane === undefined
      ? `M${r1(p.x)},${r1(p.y)} C${r1(p.x + dxp)},${r1(p.y)} ${r1(q.x + dxq)},${r1(q.y)} ${r1(q.x)},${r1(q.y)}`
      : `M${r1(p.x)},${r1(p.y)} C${r1(p.x + 50)},${r1(p.y)} ${r1(mx0 - 50)},${r1(lane)} ${r1(mx0)},${r1(lane)} L${r1(mx1)},${r1(lane)} C${r1(mx1 + 50)},${r1(lane)} ${r1(q.x - 50)},${r1(q.y)} ${r1(q.x)},${r1(q.y)}`;
  return { d, q };
}

function attrsOf(e: Edge): string {
  if (e.rule !== null) return ` data-kind="rule" data-rule="${esc(e.rule)}" data-status="${esc(e.status)}"`;
  return ` data-kind="unexpected" data-status="unexpected" data-groups="${e.groups}"`;
}

export function drawEdge(l: Layout, i: number, e: Edge): string {
  const { d, q } = pathOf(l, i, e);
  const s = EDGE_STYLE[e.kind];
  const lx = q.side === 'left' ? q.x - 6 : q.x + 6;
  const anchor = q.side === 'left' ? 'end' : 'start';
  return (
    `<g class="edge edge-${e.kind}"${attrsOf(e)}><title>${esc(e.title)}</title>` +
    `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.kind})"/>` +
    `<text class="port" x="${r1(lx)}" y="${r1(q.y - 3)}" text-anchor="${anchor}" font-size="10" fill="${s.color}" stroke="#fff" stroke-width="3" paint-order="stroke">${esc(e.label)}</text></g>`
  );
}

export function drawNode(n: LayoutNode): string[] {
  const pseudo = n.role === UNLISTED_CLIENTS || n.role === UNLISTED_SERVERS;
  const out = [`<g class="node" data-role="${esc(n.role)}">`];
  out.push(
    `<rect x="${n.x}" y="${r1(n.y)}" width="${NODE_W}" height="${r1(n.h)}" rx="6" fill="${pseudo ? '#f3e5f5' : '#f5f7fa'}" stroke="${pseudo ? '#6a1b9a' : '#455a64'}" stroke-width="1.2"/>`,
  );
  out.push(`<text x="${n.x + 10}" y="${r1(n.y + 18)}" font-weight="bold" fill="#111">${esc(clip(n.role, 34))}</text>`);
  n.lines.forEach((line, k) => {
    out.push(`<text class="member" x="${n.x + 10}" y="${r1(n.y + 18 + (k + 1) * LINE + 2)}" fill="#333" font-size="11">${esc(clip(line, 38))}</text>`);
  });
  out.push('</g>');
  return out;
}
