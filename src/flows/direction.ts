/**
 * Who initiated a connection: one pure function, with its port list as data (Zeek's
 * likely_server_ports). It records which rule decided, like Zeek's history `^` flip.
 *
 * Order of evidence:
 *   1. 'syn'          a SYN without ACK: its sender is the initiator;
 *   2. 'syn-ack'      a SYN-ACK: its receiver is the initiator;
 *   3. 'server-port'  exactly one side uses a likely server port (the matrix's ports, well-known
 *                     ports, common registered services); when both do, a side on a port below 1024
 *                     against one above wins; ICMP: an echo reply's sender is the responder;
 *   4. 'first-packet' the sender of the first packet seen.
 */

export type DirectionBy = 'syn' | 'syn-ack' | 'server-port' | 'icmp-type' | 'first-packet';

/** Endpoint A is the sender of the first packet seen; B is the other side. */
export interface DirectionEvidence {
  isTcp: boolean;
  /** 0: no pure SYN seen; 1: first pure SYN came from A; 2: from B. */
  synFrom: 0 | 1 | 2;
  /** 0: no SYN-ACK seen; 1: first SYN-ACK came from A; 2: from B. */
  synAckFrom: 0 | 1 | 2;
  portA: number;
  portB: number;
  /** Whether the flow has ports at all (TCP/UDP). */
  hasPorts: boolean;
  /** ICMP/ICMPv6 type of the first packet, or -1. */
  icmpTypeA: number;
}

export interface Direction {
  /** True when B (not the first packet's sender) initiated the connection. */
  flipped: boolean;
  by: DirectionBy;
}

/** A per-protocol bitmap of likely server ports. */
export class ServerPorts {
  readonly tcp = new Uint8Array(65536);
  readonly udp = new Uint8Array(65536);

  add(protocol: 'tcp' | 'udp', from: number, to = from): this {
    const t = protocol === 'tcp' ? this.tcp : this.udp;
    for (let p = Math.max(0, from); p <= Math.min(65535, to); p++) t[p] = 1;
    return this;
  }

  has(isTcp: boolean, port: number): boolean {
    return (isTcp ? this.tcp : this.udp)[port] === 1;
  }
}

/**
 * Registered services an AD/Windows network commonly serves on (above 1023). Ports 0–1023 are
 * added wholesale. The audit adds the matrix's own ports (ranges wider than 1024 ports, such as the
 * RPC dynamic range, are left out: they overlap every client's ephemeral ports).
 */
export const LIKELY_SERVER_PORTS: { tcp: readonly number[]; udp: readonly number[] } = {
  tcp: [
    1433, 1434, 1521, 1723, 2049, 3268, 3269, 3306, 3389, 5432, 5722, 5985, 5986, 6379, 8080, 8443,
    9389, 27017,
  ],
  udp: [1434, 1645, 1646, 1812, 1813, 3389, 4500, 5353, 5355],
};

export function defaultServerPorts(): ServerPorts {
  const sp = new ServerPorts().add('tcp', 0, 1023).add('udp', 0, 1023);
  for (const p of LIKELY_SERVER_PORTS.tcp) sp.add('tcp', p);
  for (const p of LIKELY_SERVER_PORTS.udp) sp.add('udp', p);
  return sp;
}

const ICMP_REPLY_TYPES = new Set([0, 14, 16, 18, 129]); // echo/timestamp/info/mask reply, ICMPv6 echo reply

/** The eight possible answers, made once (inferDirection runs once per connection the audit visits). */
const DIR = {
  synFlipped: Object.freeze({ flipped: true, by: 'syn' }),
  syn: Object.freeze({ flipped: false, by: 'syn' }),
  synAckFlipped: Object.freeze({ flipped: true, by: 'syn-ack' }),
  synAck: Object.freeze({ flipped: false, by: 'syn-ack' }),
  portFlipped: Object.freeze({ flipped: true, by: 'server-port' }),
  port: Object.freeze({ flipped: false, by: 'server-port' }),
  icmpFlipped: Object.freeze({ flipped: true, by: 'icmp-type' }),
  firstPacket: Object.freeze({ flipped: false, by: 'first-packet' }),
} as const satisfies Record<string, Readonly<Direction>>;

/** Who initiated: a shared, frozen answer (no allocation per call). */
export function inferDirection(e: DirectionEvidence, serverPorts: ServerPorts): Readonly<Direction> {
  if (e.isTcp && e.synFrom !== 0) return e.synFrom === 2 ? DIR.synFlipped : DIR.syn;
  if (e.isTcp && e.synAckFrom !== 0) return e.synAckFrom === 1 ? DIR.synAckFlipped : DIR.synAck;
  if (e.hasPorts) {
    const a = serverPorts.has(e.isTcp, e.portA);
    const b = serverPorts.has(e.isTcp, e.portB);
    if (a && !b) return DIR.portFlipped;
    if (b && !a) return DIR.port;
    if (a && b && e.portA !== e.portB) {
      if (e.portA < 1024 && e.portB >= 1024) return DIR.portFlipped;
      if (e.portB < 1024 && e.portA >= 1024) return DIR.port;
    }
  } else if (e.icmpTypeA >= 0 && ICMP_REPLY_TYPES.has(e.icmpTypeA)) {
    return DIR.icmpFlipped;
  }
  return DIR.firstPacket;
}
