/**
 * The diagram's layout (step 3 of 4), deterministic and pure: columns — roles that only start
 * flows on the left, roles that only receive them on the right, roles that do both in the middle;
 * nodes stacked per column and centred on the tallest; each node tall enough for its member lines
 * and for one endpoint every ENDPOINT_GAP px on its busiest side (so port labels, one per endpoint,
 * never overlap); endpoints on a side ordered by the height of the other end, which keeps crossings
 * down; edges from the client to the server column run below the middle column in lanes.
 */
import { UNLISTED_CLIENTS, UNLISTED_SERVERS } from './edges.js';

export const NODE_W = 240;
export const GAP = 270;
export const LINE = 14;
export const MARGIN = 16;
/** Vertical distance between two endpoints on one node side: more than a port label's height. */
export const ENDPOINT_GAP = 17;

export interface LayoutNode {
  role: string;
  col: number;
  lines: string[];
  x: number;
  y: number;
  h: number;
  left: { edge: number; other: string }[];
  right: { edge: number; other: string }[];
}

export interface Point {
  x: number;
  y: number;
  side: 'left' | 'right';
}

export interface Layout {
  nodes: Map<string, LayoutNode>;
  colX: Map<number, number>;
  usedCols: number[];
  width: number;
  height: number;
  /** Edge index → y of its lane below the middle column. */
  bypass: Map<number, number>;
  /** Where edge `edge` meets `role`, on the side it prefers (else the other). */
  point(edge: number, role: string, preferred: 'left' | 'right'): Point;
}

function columns(edges: readonly { from: string; to: string }[]): { order: string[]; colOf: (role: string) => number } {
  const order: string[] = [];
  const seen = new Set<string>();
  const isFrom = new Set<string>();
  const isTo = new Set<string>();
  for (const e of edges) {
    for (const n of [e.from, e.to]) {
      if (seen.has(n)) continue;
      seen.add(n);
      order.push(n);
    }
    isFrom.add(e.from);
    isTo.add(e.to);
  }
  const colOf = (role: string): number => {
    if (role === UNLISTED_CLIENTS) return 0;
    if (role === UNLISTED_SERVERS) return 2;
    return isFrom.has(role) && isTo.has(role) ? 1 : isFrom.has(role) ? 0 : 2;
  };
  return { order, colOf };
}

function attach(edges: readonly { from: string; to: string }[], nodes: Map<string, LayoutNode>): void {
  edges.forEach((e, i) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    if (a.col < b.col) {
      a.right.push({ edge: i, other: b.role });
      b.left.push({ edge: i, other: a.role });
    } else if (a.col > b.col) {
      a.left.push({ edge: i, other: b.role });
      b.right.push({ edge: i, other: a.role });
    } else {
      // Same column (or a role to itself): loop out on the right.
      a.right.push({ edge: i, other: b.role });
      b.right.push({ edge: i, other: a.role });
    }
  });
}

/** Heights and vertical stacking per column, each column centred on the tallest; returns the tallest. */
function stack(nodes: Map<string, LayoutNode>, colX: Map<number, number>): number {
  const colHeight = new Map<number, number>();
  for (const n of nodes.values()) {
    const textH = 26 + n.lines.length * LINE + 8;
    const portH = (Math.max(n.left.length, n.right.length) + 1) * ENDPOINT_GAP;
    n.h = Math.max(textH, portH);
    n.x = colX.get(n.col)!;
    const y = colHeight.get(n.col) ?? 0;
    n.y = y;
    colHeight.set(n.col, y + n.h + 18);
  }
  const tallest = Math.max(0, ...colHeight.values());
  for (const n of nodes.values()) n.y += MARGIN + 24 + (tallest - (colHeight.get(n.col) ?? 0)) / 2;
  return tallest;
}

/** Client-column → server-column edges must not pass behind the middle nodes: one lane each below them. */
function lanes(edges: readonly { from: string; to: string }[], nodes: Map<string, LayoutNode>): Map<number, number> {
  const middle = [...nodes.values()].filter((n) => n.col === 1);
  const bypass = new Map<number, number>();
  if (middle.length === 0) return bypass;
  const middleBottom = Math.max(0, ...middle.map((n) => n.y + n.h));
  edges.forEach((e, i) => {
    const ca = nodes.get(e.from)!.col;
    const cb = nodes.get(e.to)!.col;
    if (Math.min(ca, cb) === 0 && Math.max(ca, cb) === 2) bypass.set(i, middleBottom + 16 + bypass.size * 10);
  });
  return bypass;
}

function endpoints(nodes: Map<string, LayoutNode>): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  for (const n of nodes.values()) {
    for (const [side, list] of [['left', n.left], ['right', n.right]] as const) {
      const sorted = [...list].sort((p, q) => {
        const op = nodes.get(p.other)!;
        const oq = nodes.get(q.other)!;
        return op.y + op.h / 2 - (oq.y + oq.h / 2) || p.edge - q.edge;
      });
      sorted.forEach((p, k) => {
        pos.set(`${p.edge}:${side}:${n.role}`, { x: side === 'left' ? n.x : n.x + NODE_W, y: n.y + ((k + 1) * n.h) / (sorted.length + 1) });
      });
    }
  }
  return pos;
}

/** Lay out `edges` between roles; `linesOf(role)` gives the text lines drawn under each role's name. */
export function layoutDiagram(edges: readonly { from: string; to: string }[], linesOf: (role: string) => string[]): Layout {
  const { order, colOf } = columns(edges);
  const nodes = new Map<string, LayoutNode>();
  for (const role of order) nodes.set(role, { role, col: colOf(role), lines: linesOf(role), x: 0, y: 0, h: 0, left: [], right: [] });
  const usedCols = [...new Set([...nodes.values()].map((n) => n.col))].sort();
  const colX = new Map(usedCols.map((c, i) => [c, MARGIN + i * (NODE_W + GAP)]));
  attach(edges, nodes);
  const tallest = stack(nodes, colX);
  const width = MARGIN * 2 + (usedCols.length - 1) * (NODE_W + GAP) + NODE_W;
  const bypass = lanes(edges, nodes);
  const extra = bypass.size > 0 ? Math.max(0, Math.max(...bypass.values()) + 12 - (tallest + MARGIN + 24)) : 0;
  const height = tallest + MARGIN * 2 + 24 + extra;
  const pos = endpoints(nodes);
  const point = (edge: number, role: string, preferred: 'left' | 'right'): Point => {
    const p = pos.get(`${edge}:${preferred}:${role}`);
    if (p) return { ...p, side: preferred };
    const other = preferred === 'left' ? 'right' : 'left';
    return { ...pos.get(`${edge}:${other}:${role}`)!, side: other };
  };
  return { nodes, colX, usedCols, width, height, bypass, point };
}
