/**
 * The options of a pushed-down query input (`clickhouse://…`): the table's columns (`--columns
 * FILE`, Zeek names by default), the window (`--since` / `--until`) and, with --scope inventory,
 * the inventory's addresses as numeric intervals (host-name members cannot be pushed down: names
 * are unavailable from flow records anyway). Lives in cli/ because it joins policy (inventory) and
 * records (query) without either importing the other.
 */
import { readFileSync } from 'node:fs';
import { UsageError, messageOf } from '../errors.js';
import type { ServerPorts } from '../flows/direction.js';
import { V4_BASE } from '../matrix/address_table.js';
import { parseMember } from '../matrix/inventory.js';
import type { Inventory } from '../matrix/types.js';
import { parseColumnMap, ZEEK_COLUMNS, type AddressScope, type ColumnMap } from '../records/clickhouse/query.js';
import type { QuerySpec } from '../records/clickhouse/source.js';

export interface QueryFlags {
  columns?: string;
  since?: string;
  until?: string;
}

/** Epoch seconds from an ISO 8601 time or a number of seconds. */
export function parseWhen(text: string, flag: string): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text) / 1000;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected an ISO 8601 time (2026-03-02T09:00:00Z) or epoch seconds`);
  return n;
}

export function loadColumns(path: string | undefined): ColumnMap {
  if (path === undefined) return ZEEK_COLUMNS;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--columns ${path}: ${messageOf(e).split('\n')[0]}`);
  }
  const m = parseColumnMap(json);
  if (typeof m === 'string') throw new UsageError(`--columns ${path}: ${m}`);
  return m;
}

/** The inventory's address members as intervals (IPv4 numbers, IPv6 hex). */
export function inventoryScope(inventory: Inventory): AddressScope {
  const scope: AddressScope = { v4: [], v6: [] };
  for (const role of inventory.roles) {
    for (const m of role.members) {
      const p = parseMember(m.text);
      if (!p.ok || !('lo' in p.member)) continue;
      const { lo, hi } = p.member;
      if (lo >= V4_BASE && hi <= V4_BASE + 0xffffffffn) scope.v4.push([Number(lo - V4_BASE), Number(hi - V4_BASE)]);
      else scope.v6.push([lo.toString(16).padStart(32, '0'), hi.toString(16).padStart(32, '0')]);
    }
  }
  return scope;
}

export function querySpec(flags: QueryFlags, serverPorts: ServerPorts, inventory: Inventory, scope: 'inventory' | 'all'): QuerySpec {
  return {
    columns: loadColumns(flags.columns),
    serverPorts,
    scope: scope === 'inventory' ? inventoryScope(inventory) : null,
    ...(flags.since !== undefined ? { since: parseWhen(flags.since, '--since') } : {}),
    ...(flags.until !== undefined ? { until: parseWhen(flags.until, '--until') } : {}),
  };
}
