/**
 * A connection set stored as indexed rows (flow-log records, or tuples of them) that fills a
 * reused Connection from row i. The ConnectionSet reads (`get`, `forEach`, `toArray`) are the same
 * for every such store; a store says how many rows it holds and how to fill one.
 */
import { AddressNames, emptyConnection, type Connection } from '../flows/connection.js';
import type { ConnectionSet } from '../flows/facts.js';

/** Packets and bytes each way of row i, from columns laid out [toServer, toClient] per row, and their totals. */
export function fillDirectionCounts(c: Connection, packets: Float64Array, bytes: Float64Array, i: number): void {
  c.packetsToServer = packets[2 * i]!;
  c.packetsToClient = packets[2 * i + 1]!;
  c.packets = c.packetsToServer + c.packetsToClient;
  c.bytesToServer = bytes[2 * i]!;
  c.bytesToClient = bytes[2 * i + 1]!;
  c.bytes = c.bytesToServer + c.bytesToClient;
}

export abstract class IndexedConnections implements ConnectionSet {
  /** Connection id of row 0 (set when the rows follow a capture's table). */
  idBase = 0;
  abstract readonly size: number;
  private readonly rowNames = new AddressNames();

  /** Rows stored (what `forEach` visits). */
  protected abstract rows(): number;
  /** Row i as a Connection, written into `c` (reused); `id` is idBase + i. */
  abstract fill(i: number, names: AddressNames, c: Connection): Connection;

  get(id: number, c: Connection): Connection {
    const i = id - this.idBase;
    if (i < 0 || i >= this.rows()) throw new RangeError(`no flow-log connection ${id}`);
    return this.fill(i, this.rowNames, c);
  }

  forEach(visit: (c: Connection) => void): void {
    const names = new AddressNames();
    const c = emptyConnection();
    for (let i = 0, n = this.rows(); i < n; i++) visit(this.fill(i, names, c));
  }

  toArray(): Connection[] {
    const out: Connection[] = [];
    this.forEach((c) => out.push({ ...c, clientAddr: c.clientAddr.slice(), serverAddr: c.serverAddr.slice() }));
    return out;
  }
}
