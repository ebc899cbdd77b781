/**
 * The host every in-scope connection touches, if any: where the capture was probably taken
 * (the vantage hint in the next steps). Fed each in-scope connection in order.
 */
import type { Connection } from '../flows/connection.js';

export interface Hub {
  address: string;
  roles: string[];
}

export class HubTracker {
  /** Connections seen (a folded aggregate counts `count`). */
  private total = 0;
  private a: string | null = null;
  private b: string | null = null;
  private aRoles: readonly string[] = [];
  private bRoles: readonly string[] = [];

  /** An in-scope connection with its ends' roles. */
  see(c: Connection, clientRoles: readonly string[], serverRoles: readonly string[]): void {
    this.total += c.count;
    if (this.total === c.count) {
      this.a = clientRoles.length > 0 ? c.client : null;
      this.aRoles = clientRoles;
      this.b = serverRoles.length > 0 ? c.server : null;
      this.bRoles = serverRoles;
      return;
    }
    if (this.a !== null && this.a !== c.client && this.a !== c.server) this.a = null;
    if (this.b !== null && this.b !== c.client && this.b !== c.server) this.b = null;
  }

  /** The first connection's client (with a role) if every connection touched it, else its server likewise, else null. */
  hub(): Hub | null {
    if (this.a !== null) return { address: this.a, roles: [...this.aRoles] };
    if (this.b !== null) return { address: this.b, roles: [...this.bRoles] };
    return null;
  }
}
