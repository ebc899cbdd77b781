/** Facts the hint recorder learns from connection payloads (names, EPM hand-outs): plain data, no policy. */

export type HintNameSource = 'dns' | 'sni' | 'http-host';

/** A name a DNS answer gave to an address. */
export interface DnsNameFact {
  name: string;
  /** TTL of the answer (smallest along its CNAME chain), seconds. */
  ttl: number;
  /** Capture time of the (first) answer, µs since the epoch. */
  ts: number;
  /** Who asked (the answer's destination) and who answered. */
  client: string;
  resolver: string;
}

/** An endpoint the endpoint mapper handed out: `client` may now connect to `server`:`port`. */
export interface EpmFact {
  client: string;
  /** The endpoint mapper that answered. */
  mapper: string;
  /** The tower's IP, or the mapper's own address when the tower carries 0.0.0.0 or none. */
  server: string;
  protocol: 'tcp' | 'udp';
  port: number;
  ts: number;
}

/**
 * A service location an SRV answer gave (RFC 2782), e.g. _ldap._tcp.dc._msdcs.corp.example →
 * dc1.corp.example:389, with the target's addresses when the same response carried them.
 */
export interface SrvFact {
  service: string;
  target: string;
  port: number;
  ttl: number;
  addresses: string[];
  ts: number;
  client: string;
  resolver: string;
}
