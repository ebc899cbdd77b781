/**
 * Types of the grouped unexpected flows (audit/grouping.ts), apart so that result.ts can name them
 * without importing the code that builds them.
 */
import type { ConnState, Outcome } from '../flows/conn_state.js';
import type { EvidenceSource } from './names.js';

/** A name of an address with the evidence it came from (inventory, sni, http-host, dns). */
export interface NameRef {
  name: string;
  source: EvidenceSource;
}

export interface ClientCount {
  client: string;
  connections: number;
  names: NameRef[];
}

/** The unexpected flows to one server, protocol and port, from any number of clients. */
export interface UnexpectedServerGroup {
  server: string;
  protocol: string;
  /** Server port (TCP/UDP), ICMP type for ICMP, 0 otherwise. */
  port: number;
  serverRoles: string[];
  serverNames: NameRef[];
  /** Number of distinct clients. */
  clients: number;
  /** The clients with the most connections (ties by address order), at most TOP_CLIENTS. */
  topClients: ClientCount[];
  /** Inventory roles every client holds (empty when they share none). */
  clientRoles: string[];
  /** Smallest CIDR prefix holding every client (two or more clients of one address family), else null. */
  clientPrefix: string | null;
  connections: number;
  packets: number;
  bytes: number;
  outcomes: Record<Outcome, number>;
  states: Partial<Record<ConnState, number>>;
  firstSeen: string;
  lastSeen: string;
  /** Rules (feature off) and near-miss rules any of its entries would match. */
  disabledRules: string[];
  nearMissRules: string[];
  /** Index in `unexpected[]` of this group's first entry; its `clients` entries follow in order. */
  firstEntry: number;
  /** "47 web-user clients in 10.66.3.0/24 → 10.0.0.10 (ams1 [inventory]) tcp/3389". */
  text: string;
}

