/**
 * The flow diagram of the HTML report: an inline SVG, laid out deterministically with no library,
 * in four steps under diagram/: edges (one per rule, one per unexpected role pair and port) →
 * fold (at most MAX_UNEXPECTED_EDGES unexpected edges) → layout (columns, node heights, endpoint
 * order, lanes; unit-tested) → draw (SVG, every string escaped).
 */
import type { AuditResult } from '../audit/result.js';
import { columnHeads, drawEdge, drawNode, markers } from './diagram/draw.js';
import { bundleUnexpected, foldUnexpected, ruleEdges, unexpectedEdge, UNLISTED_CLIENTS, UNLISTED_SERVERS } from './diagram/edges.js';
import { layoutDiagram } from './diagram/layout.js';
import type { EdgeKind } from './diagram/style.js';

export { BASE_KINDS, EDGE_STYLE, edgeKind, type EdgeKind } from './diagram/style.js';
export { MAX_UNEXPECTED_EDGES, UNLISTED_CLIENTS, UNLISTED_SERVERS } from './diagram/edges.js';

/** The SVG is never taller than this (px); a taller layout is scaled down to it. */
export const DIAGRAM_MAX_HEIGHT = 900;
const MAX_MEMBERS = 6;

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
  const { bundles, unlistedClients, unlistedServers } = bundleUnexpected(r);
  const { drawn, omitted } = foldUnexpected(bundles);
  const edges = [...ruleEdges(r), ...drawn.map(unexpectedEdge)];
  const linesOf = (role: string): string[] => {
    const members = role === UNLISTED_CLIENTS ? [...unlistedClients] : role === UNLISTED_SERVERS ? [...unlistedServers] : (r.inventory.roles[role] ?? []);
    const lines = members.slice(0, MAX_MEMBERS).map(label);
    if (members.length > MAX_MEMBERS) lines.push(`+${members.length - MAX_MEMBERS} more`);
    if (members.length === 0) lines.push('(no members listed)');
    return lines;
  };
  const l = layoutDiagram(edges, linesOf);
  // A fixed maximum height: a taller layout keeps its viewBox and is drawn scaled down.
  const scale = l.height > DIAGRAM_MAX_HEIGHT ? DIAGRAM_MAX_HEIGHT / l.height : 1;
  const shownH = Math.round(l.height * scale);
  const shownW = Math.round(l.width * scale);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="flow-diagram" class="diagram" viewBox="0 0 ${l.width} ${l.height}" width="${shownW}" height="${shownH}" role="img" aria-labelledby="diagram-title" font-family="system-ui, sans-serif" font-size="12">`,
    `<title id="diagram-title">Flow diagram: ${l.nodes.size} roles, ${r.rules.length} rules, ${r.unexpected.length} unexpected client → server flows</title>`,
    ...markers(new Set(edges.map((e) => e.kind))),
    ...columnHeads(l),
    ...edges.map((e, i) => drawEdge(l, i, e)),
    ...[...l.nodes.values()].flatMap(drawNode),
    '</svg>',
  ];
  return {
    svg: out.join('\n'),
    height: shownH,
    layoutHeight: l.height,
    aggregated: r.unexpected.length > drawn.length,
    omitted,
    kinds: new Set(edges.map((e) => e.kind)),
  };
}

