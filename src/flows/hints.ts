/**
 * Facts learned from the first bytes of connections that need them: DNS answers (address → names),
 * TLS SNI and HTTP Host per connection, endpoint-mapper (ept_map) port hand-outs, and ICMP
 * unreachables tied to the packet they quote. Facts only: which role a name gives is policy
 * (audit/names.ts).
 *
 * Hot path: the engine asks `want(id)` (one typed-array read) for packets with payload; a
 * connection is looked at on its first payload packet, and then only while it has budget left
 * (a few packets, a few KB of stream per direction), after which it is marked done for good.
 */
import { formatAddress } from '../ip_text.js';
import type { DecodedPacket } from '../decode/decoded.js';
import { addressAnswers, dnsOverTcpMessages, parseDnsResponse, srvAnswers } from '../decode/hints/dns.js';
import { EPT_MAP_OPNUM, eptMapResponseEndpoints, PTYPE_REQUEST, PTYPE_RESPONSE, readPduHeader, requestOpnum } from '../decode/hints/dcerpc_epm.js';
import { looksLikeHttpRequest, parseHttpHost } from '../decode/hints/http_host.js';
import { looksLikeTlsHandshake, parseClientHelloSni } from '../decode/hints/tls_sni.js';
import { HintStore, remapIds } from './hint_store.js';
import { quotedPacket } from './icmp_quote.js';
import { StreamBuf } from './stream_buf.js';

export type { DnsNameFact, EpmFact, HintNameSource } from './hint_facts.js';
export { icmpKey, quotedPacket, type IcmpQuote } from './icmp_quote.js';

/**
 * Per-connection hint state (a byte per connection; `left` holds the remaining packet budget):
 * NEW not looked at yet; ACTIVE being reassembled (an entry in `active`); DONE never again;
 * DNS_UDP reading datagrams from port 53; STREAM + bits: a TCP connection whose direction(s) in
 * `bits` (1: A→B, 2: B→A) opened with something other than TLS or HTTP. The light states keep
 * the common case (most connections) free of per-connection objects.
 */
const NEW = 0;
const ACTIVE = 1;
const DONE = 2;
const DNS_UDP = 3;
const STREAM = 4; // 4 + bits (1, 2; 3 means done)

/** Budgets: payload packets per connection, bytes of stream kept per direction. */
const DNS_UDP_PACKETS = 16;
const STREAM_PACKETS = 12;
const STREAM_BYTES = 8192;
const DNS_TCP_PACKETS = 32;
const DNS_TCP_BYTES = 16384;
const EPM_PACKETS = 64;
const EPM_BYTES = 16384;

type Kind = 'dns-tcp' | 'stream' | 'epm';

interface ConnHint {
  kind: Kind;
  left: number;
  /** Per direction (0: A→B, 1: B→A): null not started, 'off' nothing to read there. */
  s: [StreamBuf | null | 'off', StreamBuf | null | 'off'];
  /** Endpoint mapper: opnum per call id. */
  calls?: Map<number, number>;
}

function protoOf(d: DecodedPacket): number {
  return d.ipProto;
}

export class HintRecorder {
  private state = new Uint8Array(1024);
  private left = new Uint8Array(1024);
  private readonly active = new Map<number, ConnHint>();
  /** What was learned: the run's hint facts (read-only stores with their limits; see hint_store.ts). */
  readonly facts = new HintStore();
  dnsResponses = 0;

  /** True while connection `id` may still yield a hint (cheap: one typed-array read). */
  want(id: number): boolean {
    return id >= this.state.length || this.state[id] !== DONE;
  }

  /**
   * Follow a renumbering of the connection table (idle folding: old id → new id, -1 dropped).
   * Per-connection SNI/Host of folded connections move to their service (HintStore.remap); DNS names stay.
   */
  remap(remap: Int32Array): void {
    const state = new Uint8Array(this.state.length);
    const left = new Uint8Array(this.left.length);
    for (let id = 0; id < remap.length && id < this.state.length; id++) {
      const n = remap[id]!;
      if (n >= 0) {
        state[n] = this.state[id]!;
        left[n] = this.left[id]!;
      }
    }
    this.state = state;
    this.left = left;
    remapIds(this.active, remap);
    this.facts.remap(remap);
  }

  private grow(id: number): void {
    let n = this.state.length * 2;
    while (n <= id) n *= 2;
    const s = new Uint8Array(n);
    s.set(this.state);
    this.state = s;
    const l = new Uint8Array(n);
    l.set(this.left);
    this.left = l;
  }

  private done(id: number): void {
    this.state[id] = DONE;
    this.active.delete(id);
  }

  /** A packet with payload on connection `id`, sent in direction `dir` (0: A→B). */
  payload(id: number, dir: number, d: DecodedPacket, data: Uint8Array, ts: number): void {
    if (id >= this.state.length) this.grow(id);
    let st = this.state[id]!;
    const off = d.payloadOffset;
    const n = d.payloadLength;
    if (st === NEW) {
      const proto = protoOf(d);
      const sp = d.srcPort;
      const dp = d.dstPort;
      if (!d.hasPorts || (proto !== 6 && !(proto === 17 && (sp === 53 || dp === 53)))) {
        this.state[id] = DONE;
        return;
      }
      if (proto === 17) {
        st = this.state[id] = DNS_UDP;
        this.left[id] = DNS_UDP_PACKETS;
      } else if (sp === 53 || dp === 53 || sp === 135 || dp === 135) {
        const kind: Kind = sp === 53 || dp === 53 ? 'dns-tcp' : 'epm';
        this.active.set(id, { kind, left: kind === 'dns-tcp' ? DNS_TCP_PACKETS : EPM_PACKETS, s: [null, null] });
        st = this.state[id] = ACTIVE;
      } else {
        st = this.state[id] = STREAM;
        this.left[id] = STREAM_PACKETS;
      }
    }
    if (st === DNS_UDP) {
      if (--this.left[id]! === 0) this.state[id] = DONE;
      // Responses only (QR bit), from the server port.
      if (d.srcPort === 53 && n >= 12 && (data[off + 2]! & 0x80) !== 0) this.dnsMessage(data, off, n, d, ts);
      return;
    }
    if (st >= STREAM) {
      const bits = st - STREAM;
      if (--this.left[id]! === 0) {
        this.state[id] = DONE;
        return;
      }
      if (bits & (1 << dir)) return; // this direction is not a TLS/HTTP opening
      const first = data[off]!;
      // Cheap first-byte test (TLS handshake 0x16, or an upper-case method letter) before the full ones.
      if ((first !== 0x16 && (first < 0x41 || first > 0x5a)) || (!looksLikeTlsHandshake(data, off, n) && !looksLikeHttpRequest(data, off, n))) {
        const nb = bits | (1 << dir);
        this.state[id] = nb === 3 ? DONE : STREAM + nb;
        return;
      }
      const s: ConnHint['s'] = [null, null];
      if (bits & 1) s[0] = 'off';
      if (bits & 2) s[1] = 'off';
      this.active.set(id, { kind: 'stream', left: this.left[id]!, s });
      this.state[id] = ACTIVE;
    }
    const h = this.active.get(id);
    if (!h) {
      this.state[id] = DONE;
      return;
    }
    if (--h.left < 0) {
      this.done(id);
      return;
    }
    switch (h.kind) {
      case 'dns-tcp':
        if (d.srcPort !== 53) return;
        this.dnsTcp(id, h, dir, data, off, n, d, ts);
        return;
      case 'epm':
        this.epmSegment(id, h, dir, data, off, n, d, ts);
        return;
      case 'stream':
        this.streamSegment(id, h, dir, data, off, n, d);
        return;
    }
  }

  private srvMessage(r: NonNullable<ReturnType<typeof parseDnsResponse>>, d: DecodedPacket, ts: number): void {
    const client = formatAddress(d.dst);
    const resolver = formatAddress(d.src);
    for (const s of srvAnswers(r)) this.facts.addSrv({ ...s, ts, client, resolver });
  }

  private dnsMessage(data: Uint8Array, off: number, n: number, d: DecodedPacket, ts: number): void {
    const r = parseDnsResponse(data, off, n);
    if (!r) return;
    this.dnsResponses++;
    const answers = addressAnswers(r);
    if (r.answers.length > answers.length) this.srvMessage(r, d, ts);
    if (answers.length === 0) return;
    const client = formatAddress(d.dst);
    const resolver = formatAddress(d.src);
    for (const a of answers) {
      for (const name of a.names) this.facts.addDnsName(a.address, { name, ttl: a.ttl, ts, client, resolver });
    }
  }

  private dnsTcp(id: number, h: ConnHint, dir: number, data: Uint8Array, off: number, n: number, d: DecodedPacket, ts: number): void {
    let s = h.s[dir as 0 | 1];
    if (s === 'off') return;
    if (s === null) s = h.s[dir as 0 | 1] = new StreamBuf(DNS_TCP_BYTES);
    s.append(data, off, n, d.tcpSeq);
    for (const [o, l] of dnsOverTcpMessages(s.buf, s.consumed, s.len - s.consumed)) {
      this.dnsMessage(s.buf, o, l, d, ts);
      s.consumed = o + l;
    }
    if (s.broken || s.full) this.done(id);
  }

  private epmSegment(id: number, h: ConnHint, dir: number, data: Uint8Array, off: number, n: number, d: DecodedPacket, ts: number): void {
    let s = h.s[dir as 0 | 1];
    if (s === 'off') return;
    if (s === null) {
      // DCE/RPC connection-oriented PDUs start with version 5.0; anything else is not read.
      if (data[off] !== 5 || (n > 1 && data[off + 1] !== 0)) {
        h.s[dir as 0 | 1] = 'off';
        if (h.s[(1 - dir) as 0 | 1] === 'off') this.done(id);
        return;
      }
      s = h.s[dir as 0 | 1] = new StreamBuf(EPM_BYTES);
    }
    s.append(data, off, n, d.tcpSeq);
    const fromServer = d.srcPort === 135;
    const calls = (h.calls ??= new Map());
    for (;;) {
      const hd = readPduHeader(s.buf, s.consumed, s.len - s.consumed);
      if (!hd) {
        // Not DCE/RPC (or a header not complete yet): stop reading this direction when clearly not RPC.
        if (s.len - s.consumed >= 16) h.s[dir as 0 | 1] = 'off';
        break;
      }
      if (s.consumed + hd.fragLength > s.len) break;
      if (hd.ptype === PTYPE_REQUEST && !fromServer) {
        if (calls.size < 64) calls.set(hd.callId, requestOpnum(s.buf, s.consumed, hd));
      } else if (hd.ptype === PTYPE_RESPONSE && fromServer) {
        const opnum = calls.get(hd.callId);
        if (opnum === undefined || opnum === EPT_MAP_OPNUM) {
          const eps = eptMapResponseEndpoints(s.buf, s.consumed, hd);
          if (eps) {
            const mapper = formatAddress(d.src);
            const client = formatAddress(d.dst);
            for (const e of eps) {
              const server = e.ip === null || e.ip === '0.0.0.0' ? mapper : e.ip;
              if (!this.facts.addEpm({ client, mapper, server, protocol: e.protocol, port: e.port, ts })) break;
            }
          }
        }
      }
      s.consumed += hd.fragLength;
    }
    if (s.broken || s.full) h.s[dir as 0 | 1] = 'off';
    if (h.s[0] === 'off' && h.s[1] === 'off') this.done(id);
  }

  private streamSegment(id: number, h: ConnHint, dir: number, data: Uint8Array, off: number, n: number, d: DecodedPacket): void {
    let s = h.s[dir as 0 | 1];
    if (s === 'off') return;
    if (s === null) {
      // The first payload of this direction decides whether it is a client's TLS or HTTP opening.
      if (!looksLikeTlsHandshake(data, off, n) && !looksLikeHttpRequest(data, off, n)) {
        h.s[dir as 0 | 1] = 'off';
        if (h.s[(1 - dir) as 0 | 1] === 'off') this.done(id);
        return;
      }
      s = h.s[dir as 0 | 1] = new StreamBuf(STREAM_BYTES);
    }
    s.append(data, off, n, d.tcpSeq);
    const b = s.buf;
    if (b[0] === 0x16) {
      const r = parseClientHelloSni(b, 0, s.len);
      if (r.kind === 'need-more' && !s.full && !s.broken) return;
      if (r.kind === 'sni') this.facts.setConnectionName('sni', id, r.name, `${formatAddress(d.dst)}|${d.dstPort}`);
    } else {
      const r = parseHttpHost(b, 0, s.len);
      if (r.kind === 'need-more' && !s.full && !s.broken) return;
      if (r.kind === 'host') this.facts.setConnectionName('http-host', id, r.name, `${formatAddress(d.dst)}|${d.dstPort}`);
    }
    this.done(id);
  }

  /** An ICMP/ICMPv6 destination unreachable: remember the TCP/UDP packet it quotes. */
  icmpError(d: DecodedPacket, data: Uint8Array, ts: number): void {
    const v6 = d.ipProto === 58;
    const o = d.payloadOffset;
    const end = Math.min(data.length, o + d.payloadLength);
    const q = quotedPacket(data, o, end);
    if (!q) return;
    const key = `${q.protocol}|${q.src}|${q.srcPort}|${q.dst}|${q.dstPort}`;
    this.facts.addIcmp(key, { ...q, icmpv6: v6, type: d.icmpType, code: d.icmpCode, from: formatAddress(d.src), count: 1, firstTs: ts });
  }
}
