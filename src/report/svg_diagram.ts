/**
 * The flow diagram of the HTML report: an inline SVG, laid out deterministically with no library.
 * Roles are nodes (with their inventory members); every matrix rule is an edge coloured and dashed
 * by its status; every unexpected flow group is an extra edge in its own colour. Columns: roles
 * that only start flows on the left, roles that only receive flows on the right, roles that do
 * both in the middle. Endpoints on a node side are ordered by the height of the other end, which
 * keeps crossings down. Colours come with distinct dash patterns, so a black-and-white print
 * still tells them apart. All text goes through esc().
 */
import type { AuditResult, RuleResult } from '../audit/result.js';
import { esc } from './html_escape.js';

export type EdgeKind = 'observed' | 'failed' | 'partial' | 'missing' | 'not-visible' | 'optional-not-seen' | 'not-applicable' | 'unexpected';

export const EDGE_STYLE: Record<EdgeKind, { color: string; dash: string; width: number; label: string }> = {
  observed: { color: '#2e7d32', dash: '', width: 2, label: 'observed' },
  failed: { color: '#c62828', dash: '', width: 3, label: 'failed (attempted, never answered)' },
  partial: { color: '#b26a00', dash: '12 3', width: 2.5, label: 'partial (some members never answered)' },
  missing: { color: '#e65100', dash: '7 4', width: 2, label: 'missing (enforced, not seen)' },
  'not-visible': { color: '#6d4c41', dash: '3 3', width: 2, label: 'not-visible (does not cross this capture point)' },
  'optional-not-seen': { color: '#546e7a', dash: '2 4', width: 2, label: 'missing (optional, not enforced)' },
  'not-applicable': { color: '#9e9e9e', dash: '1 5', width: 1.5, label: 'not-applicable' },
  unexpected: { color: '#6a1b9a', dash: '10 3 2 3', width: 3, label: 'unexpected flow' },
};

/** Kinds shown in the legend even when the diagram has none of them. */
export const BASE_KINDS: readonly EdgeKind[] = ['observed', 'failed', 'missing', 'optional-not-seen', 'not-applicable', 'unexpected'];

/** Unexpected edges drawn one per role pair and port up to this many; beyond, the smallest fold into "more ports" edges. */
export const MAX_UNEXPECTED_EDGES = 12;
/** The SVG is never taller than this (px); a taller layout is scaled down to it. */
export const DIAGRAM_MAX_HEIGHT = 900;

export const UNLISTED_CLIENTS = '(clients not in inventory)';
export const UNLISTED_SERVERS = '(servers not in inventory)';

export function edgeKind(r: RuleResult): EdgeKind {
  if (r.status === 'missing' && !r.enforced) return 'optional-not-seen';
  const s = r.status as string;
  return s in EDGE_STYLE ? (s as EdgeKind) : 'not-applicable';
}

interface Edge {
  kind: EdgeKind;
  from: string;
  to: string;
  label: string;
  title: string;
  attrs: string;
}

interface Node {
  role: string;
  col: number;
  lines: string[];
  x: number;
  y: number;
  h: number;
  left: { edge: number; other: string }[];
  right: { edge: number; other: string }[];
}

const NODE_W = 240;
const GAP = 270;
const LINE = 14;
const MARGIN = 16;
const MAX_MEMBERS = 6;

/** The server role an unexpected group is drawn to: the one most rules lead to (ties: by name). */
function pickRole(roles: string[], weight: Map<string, number>): string | undefined {
  return [...roles].sort((a, b) => (weight.get(b) ?? 0) - (weight.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0))[0];
}

export interface DiagramOptions {
  /** Label for a member address (e.g. "dc1 (10.0.0.2)"); default: the address itself. */
  memberLabel?: (member: string) => string;
}

export interface Diagram {
  svg: string;
  /** Drawn height in px (at most DIAGRAM_MAX_HEIGHT) and the layout's own height. */
  height: number;
  layoutHeight: number;
  /** True when unexpected edges stand for more than one client → server entry. */
  aggregated: boolean;
  /** Unexpected entries folded into "more ports" edges. */
  omitted: number;
  kinds: Set<EdgeKind>;
}

export function renderDiagram(r: AuditResult, opts: DiagramOptions = {}): Diagram {
  const label = opts.memberLabel ?? ((m: string) => m);
  const edges: Edge[] = [];
  const asDest = new Map<string, number>();
  const asSource = new Map<string, number>();
  for (const rule of r.rules) {
    asSource.set(rule.source, (asSource.get(rule.source) ?? 0) + 1);
    asDest.set(rule.destination, (asDest.get(rule.destination) ?? 0) + 1);
  }
  for (const rule of r.rules) {
    const kind = edgeKind(rule);
    const ports = `${rule.protocol}/${rule.ports.join(',')}`;
    edges.push({
      kind,
      from: rule.source,
      to: rule.destination,
      label: ports,
      title: `${rule.id}: ${rule.source} → ${rule.destination} ${ports} — ${EDGE_STYLE[kind].label}, ${rule.connections} connection${rule.connections === 1 ? '' : 's'}`,
      attrs: ` data-kind="rule" data-rule="${esc(rule.id)}" data-status="${esc(rule.status)}"`,
    });
  }
  const unlistedClients = new Set<string>();
  const unlistedServers = new Set<string>();
  // Unexpected entries drawn as one edge per client role → server role and port (many clients of
  // one role to one port are one edge); beyond MAX_UNEXPECTED_EDGES, the smallest fold per role pair.
  const agg = new Map<string, { from: string; to: string; protocol: string; ports: Set<number>; clients: Set<string>; servers: Set<string>; connections: number; groups: number }>();
  for (const g of r.unexpected) {
    const from = pickRole(g.clientRoles, asSource) ?? UNLISTED_CLIENTS;
    const to = pickRole(g.serverRoles, asDest) ?? UNLISTED_SERVERS;
    if (from === UNLISTED_CLIENTS) unlistedClients.add(g.client);
    if (to === UNLISTED_SERVERS) unlistedServers.add(g.server);
    const k = `${from}|${to}|${g.protocol}|${g.port}`;
    let a = agg.get(k);
    if (!a) agg.set(k, (a = { from, to, protocol: g.protocol, ports: new Set([g.port]), clients: new Set(), servers: new Set(), connections: 0, groups: 0 }));
    a.clients.add(g.client);
    a.servers.add(g.server);
    a.connections += g.connections;
    a.groups++;
  }
  let drawn = [...agg.values()];
  let omitted = 0;
  if (drawn.length > MAX_UNEXPECTED_EDGES) {
    // Keep the busiest; fold the rest into one edge per role pair, keeping fewer while the total
    // would pass the cap (it can only pass it when more role pairs than that carry unexpected flows).
    const byConns = [...drawn].sort((a, b) => b.connections - a.connections || b.clients.size - a.clients.size);
    const fold = (rest: typeof drawn): Map<string, (typeof drawn)[number]> => {
      const folded = new Map<string, (typeof drawn)[number]>();
      for (const a of rest) {
        const k = `${a.from}|${a.to}`;
        let f = folded.get(k);
        if (!f) folded.set(k, (f = { from: a.from, to: a.to, protocol: '', ports: new Set(), clients: new Set(), servers: new Set(), connections: 0, groups: 0 }));
        for (const p of a.ports) f.ports.add(p);
        if (!f.protocol.split('+').includes(a.protocol)) f.protocol = f.protocol ? `${f.protocol}+${a.protocol}` : a.protocol;
        for (const c of a.clients) f.clients.add(c);
        for (const x of a.servers) f.servers.add(x);
        f.connections += a.connections;
        f.groups += a.groups;
      }
      return folded;
    };
    let keep = MAX_UNEXPECTED_EDGES - 1;
    let folded = fold(byConns.slice(keep));
    while (keep > 0 && keep + folded.size > MAX_UNEXPECTED_EDGES) folded = fold(byConns.slice(--keep));
    for (const a of byConns.slice(keep)) omitted += a.groups;
    drawn = [...byConns.slice(0, keep), ...folded.values()];
  }
  for (const a of drawn) {
    const many = a.ports.size > 1;
    const label = many ? `${a.ports.size} more ports` : `${a.protocol}/${[...a.ports][0]}`;
    const who = a.clients.size === 1 ? [...a.clients][0]! : `${a.clients.size} clients`;
    const whom = a.servers.size === 1 ? [...a.servers][0]! : `${a.servers.size} servers`;
    edges.push({
      kind: 'unexpected',
      from: a.from,
      to: a.to,
      label: a.clients.size > 1 && !many ? `${label} ×${a.clients.size}` : label,
      title: `unexpected: ${who} → ${whom} ${many ? `${a.protocol} on ${a.ports.size} ports` : label}, ${a.connections} connection${a.connections === 1 ? '' : 's'}`,
      attrs: ` data-kind="unexpected" data-status="unexpected" data-groups="${a.groups}"`,
    });
  }

  // Nodes in first-appearance order; column by role in the drawn edges.
  const order: string[] = [];
  const isFrom = new Set<string>();
  const isTo = new Set<string>();
  for (const e of edges) {
    for (const n of [e.from, e.to]) if (!order.includes(n)) order.push(n);
    isFrom.add(e.from);
    isTo.add(e.to);
  }
  const colOf = (role: string): number => {
    if (role === UNLISTED_CLIENTS) return 0;
    if (role === UNLISTED_SERVERS) return 2;
    return isFrom.has(role) && isTo.has(role) ? 1 : isFrom.has(role) ? 0 : 2;
  };
  const nodes = new Map<string, Node>();
  for (const role of order) {
    const members =
      role === UNLISTED_CLIENTS ? [...unlistedClients] : role === UNLISTED_SERVERS ? [...unlistedServers] : (r.inventory.roles[role] ?? []);
    const lines = members.slice(0, MAX_MEMBERS).map(label);
    if (members.length > MAX_MEMBERS) lines.push(`+${members.length - MAX_MEMBERS} more`);
    if (members.length === 0) lines.push('(no members listed)');
    nodes.set(role, { role, col: colOf(role), lines, x: 0, y: 0, h: 0, left: [], right: [] });
  }
  const usedCols = [...new Set([...nodes.values()].map((n) => n.col))].sort();
  const colX = new Map(usedCols.map((c, i) => [c, MARGIN + i * (NODE_W + GAP)]));

  // Attach endpoints to node sides.
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

  // Heights and vertical stacking per column, each column centred on the tallest.
  const colHeight = new Map<number, number>();
  for (const n of nodes.values()) {
    const textH = 26 + n.lines.length * LINE + 8;
    const portH = Math.max(n.left.length, n.right.length) * 17 + 16;
    n.h = Math.max(textH, portH);
    n.x = colX.get(n.col)!;
    const y = colHeight.get(n.col) ?? 0;
    n.y = y;
    colHeight.set(n.col, y + n.h + 18);
  }
  const tallest = Math.max(0, ...colHeight.values());
  for (const n of nodes.values()) n.y += MARGIN + 24 + (tallest - (colHeight.get(n.col) ?? 0)) / 2;
  const width = MARGIN * 2 + (usedCols.length - 1) * (NODE_W + GAP) + NODE_W;
  // An edge from the client column to the server column must not pass behind the middle column's
  // nodes (it would read as ending there): such edges run below the middle column, one lane each.
  const middle = [...nodes.values()].filter((n) => n.col === 1);
  const middleBottom = Math.max(0, ...middle.map((n) => n.y + n.h));
  const bypass = new Map<number, number>(); // edge index → lane y
  if (middle.length > 0) {
    edges.forEach((e, i) => {
      const ca = nodes.get(e.from)!.col;
      const cb = nodes.get(e.to)!.col;
      if (Math.min(ca, cb) === 0 && Math.max(ca, cb) === 2) bypass.set(i, middleBottom + 16 + bypass.size * 10);
    });
  }
  const lanes = bypass.size > 0 ? Math.max(0, Math.max(...bypass.values()) + 12 - (tallest + MARGIN + 24)) : 0;
  const height = tallest + MARGIN * 2 + 24 + lanes;

  // Endpoint positions: each side's endpoints ordered by the other node's height, then edge order.
  const pos = new Map<string, { x: number; y: number }>(); // `${edge}:${role}` → point
  for (const n of nodes.values()) {
    for (const [side, list] of [['left', n.left], ['right', n.right]] as const) {
      const sorted = [...list].sort((p, q) => {
        const op = nodes.get(p.other)!;
        const oq = nodes.get(q.other)!;
        return op.y + op.h / 2 - (oq.y + oq.h / 2) || p.edge - q.edge;
      });
      sorted.forEach((p, k) => {
        const y = n.y + ((k + 1) * n.h) / (sorted.length + 1);
        pos.set(`${p.edge}:${side}:${n.role}`, { x: side === 'left' ? n.x : n.x + NODE_W, y });
      });
    }
  }
  const point = (edge: number, role: string, preferred: 'left' | 'right'): { x: number; y: number; side: 'left' | 'right' } => {
    const p = pos.get(`${edge}:${preferred}:${role}`);
    if (p) return { ...p, side: preferred };
    const other = preferred === 'left' ? 'right' : 'left';
    return { ...pos.get(`${edge}:${other}:${role}`)!, side: other };
  };

  const out: string[] = [];
  // A fixed maximum height: a taller layout keeps its viewBox and is drawn scaled down.
  const scale = height > DIAGRAM_MAX_HEIGHT ? DIAGRAM_MAX_HEIGHT / height : 1;
  const shownH = Math.round(height * scale);
  const shownW = Math.round(width * scale);
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" id="flow-diagram" class="diagram" viewBox="0 0 ${width} ${height}" width="${shownW}" height="${shownH}" role="img" aria-labelledby="diagram-title" font-family="system-ui, sans-serif" font-size="12">`,
  );
  out.push(`<title id="diagram-title">Flow diagram: ${nodes.size} roles, ${r.rules.length} rules, ${r.unexpected.length} unexpected client → server flows</title>`);
  out.push('<defs>');
  for (const [kind, s] of Object.entries(EDGE_STYLE)) {
    out.push(
      `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${s.color}"/></marker>`,
    );
  }
  out.push('</defs>');
  const heads = ['clients', 'clients and servers', 'servers'];
  for (const c of usedCols) out.push(`<text x="${colX.get(c)! + NODE_W / 2}" y="${MARGIN + 8}" text-anchor="middle" fill="#555" font-size="11">${heads[c]}</text>`);

  // Edges first, so nodes are drawn over their ends.
  edges.forEach((e, i) => {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const p = point(i, a.role, a.col <= b.col ? 'right' : 'left');
    const q = point(i, b.role, a.col < b.col ? 'left' : 'right');
    const s = EDGE_STYLE[e.kind];
    const dxp = (p.side === 'right' ? 1 : -1) * Math.max(60, Math.abs(q.x - p.x) / 2);
    const dxq = (q.side === 'right' ? 1 : -1) * Math.max(60, Math.abs(q.x - p.x) / 2);
    const lane = bypass.get(i);
    const mx0 = (colX.get(1) ?? 0) - 12;
    const mx1 = (colX.get(1) ?? 0) + NODE_W + 12;
    const d =
      lane === undefined
        ? `M${r1(p.x)},${r1(p.y)} C${r1(p.x + dxp)},${r1(p.y)} ${r1(q.x + dxq)},${r1(q.y)} ${r1(q.x)},${r1(q.y)}`
        : `M${r1(p.x)},${r1(p.y)} C${r1(p.x + 50)},${r1(p.y)} ${r1(mx0 - 50)},${r1(lane)} ${r1(mx0)},${r1(lane)} L${r1(mx1)},${r1(lane)} C${r1(mx1 + 50)},${r1(lane)} ${r1(q.x - 50)},${r1(q.y)} ${r1(q.x)},${r1(q.y)}`;
    const lx = q.side === 'left' ? q.x - 6 : q.x + 6;
    const anchor = q.side === 'left' ? 'end' : 'start';
    out.push(
      `<g class="edge edge-${e.kind}"${e.attrs}><title>${esc(e.title)}</title>` +
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} marker-end="url(#arrow-${e.kind})"/>` +
        `<text x="${r1(lx)}" y="${r1(q.y - 3)}" text-anchor="${anchor}" font-size="10" fill="${s.color}">${esc(e.label)}</text></g>`,
    );
  });

  for (const n of nodes.values()) {
    const pseudo = n.role === UNLISTED_CLIENTS || n.role === UNLISTED_SERVERS;
    out.push(`<g class="node" data-role="${esc(n.role)}">`);
    out.push(
      `<rect x="${n.x}" y="${r1(n.y)}" width="${NODE_W}" height="${r1(n.h)}" rx="6" fill="${pseudo ? '#f3e5f5' : '#f5f7fa'}" stroke="${pseudo ? '#6a1b9a' : '#455a64'}" stroke-width="1.2"/>`,
    );
    out.push(`<text x="${n.x + 10}" y="${r1(n.y + 18)}" font-weight="bold" fill="#111">${esc(clip(n.role, 34))}</text>`);
    n.lines.forEach((line, k) => {
      out.push(`<text class="member" x="${n.x + 10}" y="${r1(n.y + 18 + (k + 1) * LINE + 2)}" fill="#333" font-size="11">${esc(clip(line, 38))}</text>`);
    });
    out.push('</g>');
  }
  out.push('</svg>');
  return {
    svg: out.join('\n'),
    height: shownH,
    layoutHeight: height,
    aggregated: r.unexpected.length > drawn.length,
    omitted,
    kinds: new Set(edges.map((e) => e.kind)),
  };
}

function r1(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
