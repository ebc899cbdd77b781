/**
 * What one active probe observed: facts only (the judgement, documented or not, finding or
 * evidence, is audit/probe_judge.ts). A probe is one connection attempt from this host to one
 * inventory address and port, at a time, with a timing.
 *   open           TCP: the handshake completed (SYN-ACK). UDP: the service answered the request.
 *   refused        TCP: RST (nothing listens, or a firewall REJECT with tcp-reset). UDP: ICMP port
 *                  unreachable, seen as ECONNREFUSED on the connected socket.
 *   filtered       TCP: no answer within the timeout (a DROP rule, or the host is down).
 *   unreachable    ICMP host/network unreachable or administratively prohibited (EHOSTUNREACH,
 *                  ENETUNREACH, EACCES for ICMPv6 prohibited): a router or the host's firewall
 *                  (REJECT icmp-*) answered instead. Linux may hold an ICMPv6 error on the first SYN
 *                  as a soft error and report it when the retransmitted SYN (after ~1 s) draws
 *                  another: hence the 2 s default timeout.
 *   open|filtered  UDP: no answer within the timeout; an open port may ignore a request it does not
 *                  understand, a firewall may drop it: nothing is proven.
 *   error          the probe could not be sent (a local error, named in `how`).
 */
export type ProbeState = 'open' | 'refused' | 'filtered' | 'unreachable' | 'open|filtered' | 'error';

export const PROBE_STATES: readonly ProbeState[] = ['open', 'refused', 'filtered', 'unreachable', 'open|filtered', 'error'];

/** The protocol-correct UDP requests a probe knows (undefined request: an empty datagram). */
export type UdpRequestKind = 'dns' | 'cldap';

export interface ProbeTarget {
  protocol: 'tcp' | 'udp';
  /** A literal IPv4 or IPv6 address (the plan refuses anything not in the inventory). */
  address: string;
  port: number;
  /** UDP only: the request sent. */
  request?: UdpRequestKind | null;
}

export interface ProbeOutcome {
  state: ProbeState;
  /** What was seen, for the reader: "SYN-ACK (connected)", "RST (ECONNREFUSED)", "no answer in 1000 ms". */
  how: string;
  /** When the attempt started: ms since the epoch. */
  startedAt: number;
  /** How long until the answer (or the timeout), in ms, 0.1 ms resolution. */
  ms: number;
}

/** Elapsed ms since `t0` (process.hrtime.bigint()), rounded to 0.1 ms. */
export function elapsedMs(t0: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - t0) / 1e5) / 10;
}

/** The socket error codes that mean an ICMP unreachable came back (or no route exists). */
// EACCES: Linux reports an ICMPv6 "administratively prohibited" (ip6tables REJECT icmp6-adm-prohibited) so.
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES']);
