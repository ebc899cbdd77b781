/**
 * Connections from flow logs, oriented and stored struct-of-arrays like the engine's connection
 * table (no object per record), visited through one reused Connection like TableConnections.
 */
import { CONN_STATES, type ConnState, type Outcome } from '../flows/conn_state.js';
import { fillDirectionCounts, IndexedConnections } from './indexed_connections.js';
import { type AddressNames, protocolLabel, type Connection } from '../flows/connection.js';
import type { DirectionBy, ServerPorts } from '../flows/direction.js';
import type { ByteBasis } from '../inputs/record_input.js';
import { parseAddressWords } from '../ip_text.js';
import type { FlowRecord } from './flow_record.js';
import { orientRecord } from './orient.js';

const OUTCOMES: readonly Outcome[] = ['answered', 'refused', 'unanswered'];
const BASES: readonly ByteBasis[] = ['frame', 'ip', 'payload'];
const DIRECTION_BYS: readonly DirectionBy[] = ['syn', 'syn-ack', 'server-port', 'icmp-type', 'first-packet'];

export class RecordTable extends IndexedConnections {
  size = 0;
  private cap = 0;
  /** Client's 4 words then server's 4 words per record. */
  addr = new Uint32Array(0);
  clientPort = new Uint16Array(0);
  serverPort = new Uint16Array(0);
  proto = new Uint8Array(0);
  /** 2i: client → server, 2i+1: server → client. */
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  firstTs = new Float64Array(0);
  lastTs = new Float64Array(0);
  state = new Uint8Array(0);
  outcome = new Uint8Array(0);
  directionBy = new Uint8Array(0);
  icmpType = new Int16Array(0);
  icmpCode = new Int16Array(0);
  history: string[] = [];
  basis = new Uint8Array(0);
  private readonly w = new Uint32Array(4);

  /**
   * Orient and store a record. Returns its index, or an error text when an address does not
   * parse (the caller counts the line as malformed).
   */
  add(r: FlowRecord, serverPorts: ServerPorts): number | string {
    const o = orientRecord(r, serverPorts);
    const client = o.swapped ? r.resp : r.orig;
    const server = o.swapped ? r.orig : r.resp;
    if (this.size >= this.cap) this.grow(Math.max(1024, this.cap * 2));
    const i = this.size;
    const b = i << 3;
    if (!parseAddressWords(client, this.w)) return `bad address "${client}"`;
    this.addr.set(this.w, b);
    if (!parseAddressWords(server, this.w)) return `bad address "${server}"`;
    this.addr.set(this.w, b + 4);
    const ports = r.ipProto === 6 || r.ipProto === 17;
    this.clientPort[i] = ports ? (o.swapped ? r.respPort : r.origPort) : 0;
    this.serverPort[i] = ports ? (o.swapped ? r.origPort : r.respPort) : 0;
    this.proto[i] = r.ipProto;
    this.packets[2 * i] = o.swapped ? r.respPkts : r.origPkts;
    this.packets[2 * i + 1] = o.swapped ? r.origPkts : r.respPkts;
    this.bytes[2 * i] = o.swapped ? r.respBytes : r.origBytes;
    this.bytes[2 * i + 1] = o.swapped ? r.origBytes : r.respBytes;
    this.firstTs[i] = r.firstSeen;
    this.lastTs[i] = r.lastSeen;
    this.state[i] = CONN_STATES.indexOf(o.state);
    this.outcome[i] = OUTCOMES.indexOf(o.outcome);
    this.directionBy[i] = DIRECTION_BYS.indexOf(o.by);
    this.icmpType[i] = r.icmpType;
    this.icmpCode[i] = r.icmpCode;
    this.history[i] = o.history;
    this.basis[i] = BASES.indexOf(r.byteBasis);
    this.size++;
    return i;
  }

  /** The record with index i as a Connection (into `c`, reused). */
  override fill(i: number, names: AddressNames, c: Connection): Connection {
    const b = i << 3;
    for (let k = 0; k < 4; k++) {
      c.clientAddr[k] = this.addr[b + k]!;
      c.serverAddr[k] = this.addr[b + 4 + k]!;
    }
    c.id = this.idBase + i;
    c.ipProto = this.proto[i]!;
    c.protocol = protocolLabel(c.ipProto);
    c.client = names.format(c.clientAddr);
    c.server = names.format(c.serverAddr);
    c.clientPort = this.clientPort[i]!;
    c.serverPort = this.serverPort[i]!;
    fillDirectionCounts(c, this.packets, this.bytes, i);
    c.firstSeen = this.firstTs[i]!;
    c.lastSeen = this.lastTs[i]!;
    c.state = CONN_STATES[this.state[i]!] as ConnState;
    c.outcome = OUTCOMES[this.outcome[i]!]!;
    c.directionBy = DIRECTION_BYS[this.directionBy[i]!]!;
    c.history = this.history[i]!;
    c.icmpType = this.icmpType[i]!;
    c.icmpCode = this.icmpCode[i]!;
    c.count = 1;
    if (c.communityIds !== undefined) c.communityIds = undefined;
    c.byteBasis = BASES[this.basis[i]!]!;
    return c;
  }

  protected rows(): number {
    return this.size;
  }

  private grow(n: number): void {
    const g = <T extends Uint8Array | Uint16Array | Uint32Array | Int16Array | Float64Array>(a: T, per: number, make: (n: number) => T): T => {
      const x = make(n * per);
      x.set(a as never);
      return x;
    };
    this.addr = g(this.addr, 8, (k) => new Uint32Array(k));
    this.clientPort = g(this.clientPort, 1, (k) => new Uint16Array(k));
    this.serverPort = g(this.serverPort, 1, (k) => new Uint16Array(k));
    this.proto = g(this.proto, 1, (k) => new Uint8Array(k));
    this.packets = g(this.packets, 2, (k) => new Float64Array(k));
    this.bytes = g(this.bytes, 2, (k) => new Float64Array(k));
    this.firstTs = g(this.firstTs, 1, (k) => new Float64Array(k));
    this.lastTs = g(this.lastTs, 1, (k) => new Float64Array(k));
    this.state = g(this.state, 1, (k) => new Uint8Array(k));
    this.outcome = g(this.outcome, 1, (k) => new Uint8Array(k));
    this.directionBy = g(this.directionBy, 1, (k) => new Uint8Array(k));
    this.icmpType = g(this.icmpType, 1, (k) => new Int16Array(k));
    this.icmpCode = g(this.icmpCode, 1, (k) => new Int16Array(k));
    this.basis = g(this.basis, 1, (k) => new Uint8Array(k));
    this.cap = n;
  }
}
