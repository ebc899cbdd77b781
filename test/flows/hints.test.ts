/**
 * The engine's hint recorder fed real frames: TLS ClientHello split over segments (and
 * retransmitted), DNS over UDP and TCP, ICMP unreachables tied to the quoted packet, ept_map
 * hand-outs, the per-connection budget, and renumbering after idle folding. Then the audit's use
 * of them: TTL windows, answers after the connection, hostile names in the text and CSV reports.
 */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit/audit.js';
import { defaultServerPorts } from '../../src/flows/direction.js';
import { collectFacts } from '../../src/flows/facts.js';
import { FlowEngine } from '../../src/flows/flow_engine.js';
import { compileInventory } from '../../src/matrix/inventory.js';
import { loadMatrix } from '../../src/matrix/load_matrix.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderText } from '../../src/report/text.js';
import { dnsQuery, dnsResponse, eptMapResponse, tlsClientHello } from '../support/app_packets.js';
import { feedFrames } from '../support/feed_engine.js';
import { concat, frame, utf8, type FrameOpts } from '../support/packets.js';

type F = Omit<FrameOpts, 'src' | 'dst'> & { src: string; dst: string; t?: number };

const feed = (frames: F[], engine = new FlowEngine()): FlowEngine => feedFrames(frames as (FrameOpts & { t?: number })[], engine, 1000);

const C = '10.0.0.10';
const S = '198.51.100.10';
const seg = (from: 'c' | 's', seq: number, payload: Uint8Array | string, flags = 'PA'): F =>
  from === 'c'
    ? { src: C, dst: S, proto: 'tcp', sport: 50000, dport: 443, flags, seq, payload }
    : { src: S, dst: C, proto: 'tcp', sport: 443, dport: 50000, flags, seq, payload };
const handshake: F[] = [seg('c', 99, new Uint8Array(0), 'S'), seg('s', 499, new Uint8Array(0), 'SA'), seg('c', 100, new Uint8Array(0), 'A')];

describe('TLS SNI from a ClientHello cut into segments', () => {
  const ch = tlsClientHello({ sni: 'graph.microsoft.com', padTo: 1200 });

  it('three segments, the SNI straddling the first cut', () => {
    const e = feed([...handshake, seg('c', 100, ch.subarray(0, 60)), seg('c', 160, ch.subarray(60, 500)), seg('c', 600, ch.subarray(500))]);
    expect([...e.hints.facts.sni.values()]).toEqual(['graph.microsoft.com']);
  });

  it('a retransmitted first segment and an overlapping second one are trimmed', () => {
    const e = feed([...handshake, seg('c', 100, ch.subarray(0, 60)), seg('c', 100, ch.subarray(0, 60)), seg('c', 130, ch.subarray(30))]);
    expect([...e.hints.facts.sni.values()]).toEqual(['graph.microsoft.com']);
  });

  it('a gap (the second segment lost) gives no name rather than a wrong one', () => {
    const e = feed([...handshake, seg('c', 100, ch.subarray(0, 60)), seg('c', 400, ch.subarray(300))]);
    expect(e.hints.facts.sni.size).toBe(0);
  });

  it('the budget: a ClientHello after a dozen other segments is not looked at', () => {
    const chatter = Array.from({ length: 12 }, (_, i) => seg('c', 100 + i, 'x'));
    const e = feed([...handshake, ...chatter, seg('c', 112, ch)]);
    expect(e.hints.facts.sni.size).toBe(0);
    expect(e.hints.want(0)).toBe(false); // done for good: the hot path skips it
  });

  it('survives renumbering by idle folding', () => {
    const other: F = { src: '10.0.0.99', dst: '10.0.0.98', proto: 'udp', sport: 1, dport: 2, payload: 'x' };
    const e = feed([other, ...handshake, seg('c', 100, ch)]);
    expect([...e.hints.facts.sni]).toEqual([[1, 'graph.microsoft.com']]);
    e.hints.remap(Int32Array.of(-1, 0));
    expect([...e.hints.facts.sni]).toEqual([[0, 'graph.microsoft.com']]);
    e.hints.remap(Int32Array.of(-1));
    expect(e.hints.facts.foldedNames.get(`${S}|443`)?.sni).toEqual(new Set(['graph.microsoft.com']));
  });
});

describe('DNS answers', () => {
  const resp = dnsResponse({
    id: 9, question: 'graph.microsoft.com',
    answers: [
      { name: 'graph.microsoft.com', type: 'CNAME', ttl: 100, data: 'edge.example' },
      { name: 'edge.example', type: 'A', ttl: 300, data: S },
    ],
  });

  it('over UDP: the answered address gets the whole chain, with the answer time, TTL and who asked', () => {
    const e = feed([
      { src: C, dst: '10.0.0.2', proto: 'udp', sport: 53001, dport: 53, payload: dnsQuery({ id: 9, question: 'graph.microsoft.com' }), t: 1_000_000 },
      { src: '10.0.0.2', dst: C, proto: 'udp', sport: 53, dport: 53001, payload: resp, t: 1_000_500 },
    ]);
    expect(e.hints.facts.dnsNames.get(S)).toEqual([
      { name: 'graph.microsoft.com', ttl: 100, ts: 1_000_500, client: C, resolver: '10.0.0.2' },
      { name: 'edge.example', ttl: 100, ts: 1_000_500, client: C, resolver: '10.0.0.2' },
    ]);
  });

  it('over TCP, the length-prefixed answer split over two segments', () => {
    const msg = concat([resp.length >> 8, resp.length & 255], resp);
    const d = (from: 'c' | 's', seq: number, payload: Uint8Array, flags = 'PA'): F =>
      from === 'c'
        ? { src: C, dst: '10.0.0.2', proto: 'tcp', sport: 50001, dport: 53, flags, seq, payload }
        : { src: '10.0.0.2', dst: C, proto: 'tcp', sport: 53, dport: 50001, flags, seq, payload };
    const e = feed([d('c', 1, new Uint8Array(0), 'S'), d('s', 7, new Uint8Array(0), 'SA'), d('s', 8, msg.subarray(0, 20)), d('s', 28, msg.subarray(20))]);
    expect(e.hints.facts.dnsNames.get(S)?.map((x) => x.name)).toEqual(['graph.microsoft.com', 'edge.example']);
  });
});

describe('ICMP unreachable and the endpoint mapper', () => {
  it('an ICMP administratively prohibited is tied to the UDP datagram it quotes', () => {
    const probe: F = { src: C, dst: '10.0.0.3', proto: 'udp', sport: 60002, dport: 389, payload: new Uint8Array(40) };
    const quoted = frame(probe).subarray(14, 14 + 28); // the IP header + 8 bytes, as routers quote it
    const e = feed([probe, { src: '10.0.0.1', dst: C, proto: 'icmp', icmpType: 3, icmpCode: 13, payload: quoted }]);
    expect([...e.hints.facts.icmp.values()]).toEqual([
      { protocol: 'udp', src: C, srcPort: 60002, dst: '10.0.0.3', dstPort: 389, icmpv6: false, type: 3, code: 13, from: '10.0.0.1', count: 1, firstTs: expect.any(Number) },
    ]);
  });

  it('an ept_map response on tcp/135 hands out (client, server, port); the tower IP 0.0.0.0 means the mapper itself', () => {
    const m = (seq: number, payload: Uint8Array, flags = 'PA'): F => ({ src: '10.0.0.2', dst: C, proto: 'tcp', sport: 135, dport: 49805, flags, seq, payload });
    const e = feed([
      { src: C, dst: '10.0.0.2', proto: 'tcp', sport: 49805, dport: 135, flags: 'S', seq: 1 },
      m(10, new Uint8Array(0), 'SA'),
      m(11, eptMapResponse(2, 49670, '10.0.0.2')),
      m(11 + eptMapResponse(2, 49670, '10.0.0.2').length, eptMapResponse(3, 49671, '0.0.0.0')),
    ]);
    expect(e.hints.facts.epm.map((x) => `${x.client}>${x.server}:${x.protocol}/${x.port} by ${x.mapper}`)).toEqual([
      '10.0.0.10>10.0.0.2:tcp/49670 by 10.0.0.2',
      '10.0.0.10>10.0.0.2:tcp/49671 by 10.0.0.2',
    ]);
  });
});

describe('the audit of names', () => {
  const matrix = loadMatrix('builtin:ams');
  const inventory = compileInventory({ roles: { 'ams-server': [C] }, features: ['azure-ad'] }, 'inv', matrix);
  const audit = (e: FlowEngine) => runAudit(collectFacts(e, [], defaultServerPorts()), matrix, inventory, { scope: 'inventory', features: [], generatedAt: 'x' });
  const dnsAt = (t: number, ttl: number): F[] => [
    { src: '10.0.0.2', dst: C, proto: 'udp', sport: 53, dport: 53001, payload: dnsResponse({ question: 'graph.microsoft.com', answers: [{ name: 'graph.microsoft.com', type: 'A', ttl, data: S }] }), t },
  ];
  const conn = (t: number): F[] => [
    { src: C, dst: S, proto: 'tcp', sport: 50000, dport: 443, flags: 'S', seq: 1, t },
    { src: S, dst: C, proto: 'tcp', sport: 443, dport: 50000, flags: 'SA', seq: 9, t: t + 100 },
  ];
  const graphRule = (e: FlowEngine) => audit(e).rules.find((r) => r.id === 'ams-graph-api')!;

  it('a DNS answer before the connection, within its TTL, puts the server in the role (evidence dns)', () => {
    const r = graphRule(feed([...dnsAt(1e6, 300), ...conn(2e6)]));
    expect(r.status).toBe('observed');
    expect(r.evidence).toEqual([{ server: S, names: ['graph.microsoft.com'], sources: ['dns'], connections: 1 }]);
  });

  it('an answer after the connection, or one whose TTL ran out long before, does not', () => {
    expect(graphRule(feed([...conn(1e6), ...dnsAt(2e6, 300)])).status).toBe('missing');
    expect(graphRule(feed([...dnsAt(1e6, 60), ...conn(1e6 + 61e6)])).status).toBe('missing');
    expect(graphRule(feed([...dnsAt(1e6, 0), ...conn(1e6 + 29e6)])).status).toBe('observed'); // TTL 0: still this transaction
  });

  it('hostile names reach the text report inert and the CSV neutralised', () => {
    const evil = concat(utf8('=cmd|<script>'), [0x1b, 0x5b, 0x32, 0x4a, 0xff]);
    const ch = tlsClientHello({ sni: evil });
    const e = feed([
      { src: C, dst: S, proto: 'tcp', sport: 50000, dport: 8443, flags: 'S', seq: 1 },
      { src: S, dst: C, proto: 'tcp', sport: 8443, dport: 50000, flags: 'SA', seq: 9 },
      { src: C, dst: S, proto: 'tcp', sport: 50000, dport: 8443, flags: 'PA', seq: 2, payload: ch },
    ]);
    const r = audit(e);
    expect(r.names).toEqual([
      { address: C, names: [] },
      { address: S, names: [{ name: '=cmd|<script>\\x1b[2j\\xff', source: 'sni', firstSeen: expect.any(String) }] },
    ].filter((x) => x.names.length > 0));
    const text = renderText(r, { color: false });
    expect(text).toContain('=cmd|<script>\\x1b[2j\\xff');
    expect(text).not.toContain('\u001b');
    const csv = renderCsv(r);
    expect(csv).toContain(`'=cmd|<script>`); // the serverNames cell starts with =: neutralised with an apostrophe
    expect(csv).not.toMatch(/(^|,)=cmd/m);
  });
});
