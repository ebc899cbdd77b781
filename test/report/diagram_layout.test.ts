/** The diagram's layout (report/diagram/layout.ts) and the folding of unexpected edges (edges.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { foldUnexpected, UNLISTED_CLIENTS, type UnexpectedBundle } from '../../src/report/diagram/edges.js';
import { ENDPOINT_GAP, GAP, MARGIN, NODE_W, layoutDiagram } from '../../src/report/diagram/layout.js';

const e = (from: string, to: string) => ({ from, to });
const lines = () => ['member'];

describe('layoutDiagram', () => {
  it.each<[string, { from: string; to: string }[], Record<string, number>]>([
    ['client → server: two columns', [e('web', 'ams')], { web: 0, ams: 2 }],
    ['a role that both starts and receives flows sits in the middle', [e('web', 'ams'), e('ams', 'dc')], { web: 0, ams: 1, dc: 2 }],
    ['unlisted clients always on the left, unlisted servers on the right', [e(UNLISTED_CLIENTS, 'ams'), e('ams', 'dc')], { [UNLISTED_CLIENTS]: 0, ams: 1, dc: 2 }],
  ])('%s', (_n, edges, cols) => {
    const l = layoutDiagram(edges, lines);
    expect(Object.fromEntries([...l.nodes.values()].map((n) => [n.role, n.col]))).toEqual(cols);
  });

  it('endpoints on one side are at least ENDPOINT_GAP apart, however many edges end there', () => {
    const edges = Array.from({ length: 17 }, () => e('ams', 'dc'));
    const l = layoutDiagram(edges, lines);
    const ys = edges.map((_, i) => l.point(i, 'dc', 'left').y).sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(ENDPOINT_GAP - 1e-9);
    expect(l.nodes.get('dc')!.h).toBeGreaterThanOrEqual(17 * ENDPOINT_GAP);
  });

  it('endpoints are ordered by the height of the other end (fewer crossings)', () => {
    const l = layoutDiagram([e('web', 'dc'), e('web', 'ams'), e('web', 'sql')], lines);
    const other = (i: number) => l.nodes.get(['dc', 'ams', 'sql'][i]!)!.y;
    const mine = (i: number) => l.point(i, 'web', 'right').y;
    const order = [0, 1, 2].sort((a, b) => mine(a) - mine(b));
    expect(order.map(other)).toEqual([...order.map(other)].sort((a, b) => a - b));
  });

  it('client-to-server edges pass below the middle column in their own lanes; width and height fit', () => {
    const l = layoutDiagram([e('web', 'ams'), e('ams', 'dc'), e('web', 'dc'), e('kiosk', 'dc')], lines);
    const middleBottom = l.nodes.get('ams')!.y + l.nodes.get('ams')!.h;
    expect([...l.bypass.keys()]).toEqual([2, 3]);
    expect(Math.min(...l.bypass.values())).toBeGreaterThan(middleBottom);
    expect(new Set(l.bypass.values()).size).toBe(2);
    expect(l.width).toBe(MARGIN * 2 + 2 * (NODE_W + GAP) + NODE_W);
    expect(l.height).toBeGreaterThan(Math.max(...l.bypass.values()));
  });
});

describe('foldUnexpected', () => {
  const bundle = (to: string, port: number, connections: number): UnexpectedBundle => ({
    from: 'web', to, protocol: 'tcp', ports: new Set([port]), clients: new Set(['c']), servers: new Set(['s']), connections, groups: 1,
  });
  it('keeps at most the cap; the smallest fold per role pair into one "more ports" bundle', () => {
    const bundles = Array.from({ length: 20 }, (_, i) => bundle(i % 2 ? 'ams' : 'dc', 1000 + i, 100 - i));
    const { drawn, omitted } = foldUnexpected(bundles, 12);
    expect(drawn.length).toBeLessThanOrEqual(12);
    expect(drawn.reduce((n, b) => n + b.groups, 0)).toBe(20);
    expect(omitted).toBe(20 - drawn.filter((b) => b.ports.size === 1 && b.groups === 1).length);
  });
  it('under the cap nothing folds', () => {
    expect(foldUnexpected([bundle('dc', 22, 1)], 12)).toEqual({ drawn: [bundle('dc', 22, 1)], omitted: 0 });
  });
});
