/**
 * Benchmark capture generator: an AMS traffic mix of any size, fast (frame templates stamped with
 * new ports and addresses). Sessions overlap (64 in flight, picked pseudo-randomly) so the
 * connection table sees realistic interleaving. about 30 packets per session on average, so
 * 1M packets ≈ 30k connections and 10M ≈ 300k.
 */
import { writeFileSync } from 'node:fs';
import { PcapWriter } from '../../src/capture/pcap_writer.js';
import { FrameTemplate } from '../support/packets.js';

type Step = { t: FrameTemplate; toServer: boolean };

const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

function tcpSession(sport: number, req: number, res: number, rounds: number, vlan?: number): Step[] {
  const base = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp' as const, sport: 1, dport: sport, ...(vlan ? { vlan } : {}) };
  const rev = { ...base, src: '10.0.0.2', dst: '10.0.0.1' };
  const steps: Step[] = [
    { t: new FrameTemplate({ ...base, flags: 'S' }), toServer: true },
    { t: new FrameTemplate({ ...rev, flags: 'SA' }), toServer: false },
    { t: new FrameTemplate({ ...base, flags: 'A' }), toServer: true },
  ];
  const q = new FrameTemplate({ ...base, flags: 'PA', payload: new Uint8Array(req) });
  const a = new FrameTemplate({ ...rev, flags: 'PA', payload: new Uint8Array(res) });
  const ack = new FrameTemplate({ ...base, flags: 'A' });
  for (let i = 0; i < rounds; i++) steps.push({ t: q, toServer: true }, { t: a, toServer: false }, { t: ack, toServer: true });
  steps.push(
    { t: new FrameTemplate({ ...base, flags: 'FA' }), toServer: true },
    { t: new FrameTemplate({ ...rev, flags: 'FA' }), toServer: false },
    { t: ack, toServer: true },
  );
  return steps;
}

function udpExchange(sport: number, req: number, res: number): Step[] {
  const base = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp' as const, sport: 1, dport: sport };
  return [
    { t: new FrameTemplate({ ...base, payload: new Uint8Array(req) }), toServer: true },
    { t: new FrameTemplate({ ...base, src: '10.0.0.2', dst: '10.0.0.1', payload: new Uint8Array(res) }), toServer: false },
  ];
}

function refused(sport: number): Step[] {
  const base = { src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp' as const, sport: 1, dport: sport };
  return [
    { t: new FrameTemplate({ ...base, flags: 'S' }), toServer: true },
    { t: new FrameTemplate({ ...base, src: '10.0.0.2', dst: '10.0.0.1', flags: 'RA' }), toServer: false },
  ];
}

/** Session kinds with weights: client subnet, server address, server port choice, packets. */
interface Kind {
  weight: number;
  steps: Step[];
  client: () => number;
  server: () => number;
  port: () => number;
}

export interface GenerateResult {
  packets: number;
  sessions: number;
  bytes: number;
}

export function generateAmsMix(path: string, targetPackets: number, seed = 1): GenerateResult {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const pick = (n: number): number => Math.floor(rnd() * n);
  const AMS = ip(10, 0, 0, 10);
  const dcs = [ip(10, 0, 0, 2), ip(10, 0, 0, 3), ip(10, 0, 0, 4)];
  const dc = (): number => dcs[pick(3)]!;
  const users = (): number => ip(10, 0, 3 + pick(8), 1 + pick(250));
  const agents = (): number => ip(10, 0, 16 + pick(16), 1 + pick(250));
  const ams = (): number => AMS;
  const fixed = (p: number) => (): number => p;
  const kinds: Kind[] = [
    { weight: 30, steps: tcpSession(389, 300, 1400, 8), client: ams, server: dc, port: fixed(389) },
    { weight: 10, steps: udpExchange(389, 180, 260), client: ams, server: dc, port: fixed(389) },
    { weight: 15, steps: udpExchange(53, 40, 120), client: ams, server: dc, port: fixed(53) },
    { weight: 8, steps: tcpSession(135, 160, 150, 1), client: ams, server: dc, port: fixed(135) },
    { weight: 8, steps: tcpSession(49670, 900, 700, 3), client: ams, server: dc, port: () => 49152 + pick(16000) },
    { weight: 4, steps: tcpSession(3268, 300, 900, 2), client: ams, server: dc, port: fixed(3268) },
    { weight: 20, steps: tcpSession(443, 900, 1400, 30, 30), client: users, server: ams, port: fixed(443) },
    { weight: 3, steps: tcpSession(80, 350, 420, 1, 30), client: users, server: ams, port: fixed(80) },
    { weight: 12, steps: tcpSession(389, 400, 900, 2), client: agents, server: dc, port: fixed(389) },
    { weight: 2, steps: refused(3389), client: users, server: ams, port: fixed(3389) },
  ];
  const total = kinds.reduce((a, k) => a + k.weight, 0);
  const chooseKind = (): Kind => {
    let r = rnd() * total;
    for (const k of kinds) if ((r -= k.weight) < 0) return k;
    return kinds[0]!;
  };

  interface Live {
    kind: Kind;
    i: number;
    c: number;
    sv: number;
    cport: number;
    sport: number;
  }
  const inFlight = 64;
  let nextPort = 1024;
  let sessions = 0;
  const start = (): Live => {
    sessions++;
    const kind = chooseKind();
    nextPort = nextPort >= 65535 ? 1024 : nextPort + 1;
    return { kind, i: 0, c: kind.client(), sv: kind.server(), cport: nextPort, sport: kind.port() };
  };
  const live: Live[] = Array.from({ length: inFlight }, start);
  const w = PcapWriter.toFile(path, { linkType: 1, chunkSize: 8 << 20 });
  const scratch = new Uint8Array(65536);
  let tsUs = 1772442000 * 1e6;
  let bytes = 0;
  for (let n = 0; n < targetPackets; n++) {
    const slot = pick(inFlight);
    const l = live[slot]!;
    const step = l.kind.steps[l.i]!;
    const len = step.toServer
      ? step.t.write(scratch, 0, l.cport, l.sport, l.c, l.sv)
      : step.t.write(scratch, 0, l.sport, l.cport, l.sv, l.c);
    tsUs += 20 + pick(60);
    const sec = Math.floor(tsUs / 1e6);
    w.writePacket(sec, (tsUs - sec * 1e6) * 1000, scratch, 0, len);
    bytes += len;
    if (++l.i >= l.kind.steps.length) live[slot] = start();
  }
  w.close();
  return { packets: targetPackets, sessions, bytes };
}

export interface ScanResult {
  packets: number;
  /** Unique (host, port) targets probed: one half-open connection each. */
  probes: number;
  hosts: number;
  ports: number;
  /** Probes answered with a SYN-ACK (open) and with a RST (closed); the rest get no answer. */
  open: number;
  closed: number;
}

/**
 * A SYN scan (nmap -sS style) from one client: `probes` unique (host, port) targets, one SYN each,
 * so each is its own half-open connection. Hosts are 10.0.0.1.. (the bench inventory's AMS server
 * and DCs among them); ports 1..N per host. The bench's DCs answer a few service ports with a
 * SYN-ACK, the AMS server answers every 10th port with a RST, everything else stays silent
 * (a firewall dropping). Used for the flood benchmark and the scan-summary test.
 */
export function generateSynScan(path: string, probes: number, hosts = 16, scanner = ip(10, 0, 9, 99)): ScanResult {
  const syn = new FrameTemplate({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', sport: 40000, dport: 1, flags: 'S' });
  const synAck = new FrameTemplate({ src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 1, dport: 40000, flags: 'SA' });
  const rst = new FrameTemplate({ src: '10.0.0.2', dst: '10.0.0.1', proto: 'tcp', sport: 1, dport: 40000, flags: 'RA' });
  const openPorts = new Set([53, 88, 135, 389, 445, 636, 3268]);
  const ports = Math.ceil(probes / hosts);
  const w = PcapWriter.toFile(path, { linkType: 1, chunkSize: 8 << 20 });
  const scratch = new Uint8Array(2048);
  let tsUs = 1772442000 * 1e6;
  let packets = 0;
  let open = 0;
  let closed = 0;
  const put = (len: number): void => {
    tsUs += 3;
    const sec = Math.floor(tsUs / 1e6);
    w.writePacket(sec, (tsUs - sec * 1e6) * 1000, scratch, 0, len);
    packets++;
  };
  let n = 0;
  for (let port = 1; port <= ports && n < probes; port++) {
    for (let h = 1; h <= hosts && n < probes; h++, n++) {
      const host = ip(10, 0, 0, h);
      put(syn.write(scratch, 0, 40000, port, scanner, host));
      if (h >= 2 && h <= 4 && openPorts.has(port)) {
        put(synAck.write(scratch, 0, port, 40000, host, scanner));
        open++;
      } else if (h === 10 && port % 10 === 0) {
        put(rst.write(scratch, 0, port, 40000, host, scanner));
        closed++;
      }
    }
  }
  w.close();
  return { packets, probes: n, hosts: Math.min(hosts, n), ports: Math.min(ports, Math.ceil(n / hosts)), open, closed };
}

/** The inventory of the generated AMS mix (addresses as generateAmsMix and the conn.log generators use them), written to `path`. */
export function writeBenchInventory(path: string): string {
  const dc = '10.0.0.2-10.0.0.4';
  const roles = { 'ams-server': ['10.0.0.10'], 'domain-controller': [dc], 'global-catalog': [dc], 'dns-server': [dc], 'domain-joined-agent': ['10.0.16.0/20'], 'web-user': ['10.0.0.0/8'] };
  writeFileSync(path, JSON.stringify({ roles }));
  return path;
}
