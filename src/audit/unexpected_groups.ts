/**
 * Unexpected flows: connections no enabled rule allows, grouped by client, server, protocol and
 * port (groupPort: ephemeral ports folded), with the disabled rules and near misses that would
 * have matched, and a sample of Community IDs.
 */
import { type RoleFit, fittingNearMisses } from './role_fit.js';
import { CommunityIdSample, connectionCommunityId } from '../flows/community_id.js';
import type { AttemptAggregate } from '../flows/attempt_fold.js';
import type { Connection } from '../flows/connection.js';
import type { MatrixRule } from '../matrix/types.js';
import { compareGroups } from './address_order.js';
import { groupPort, matchingRules } from './classify.js';
import { FloodFold, type FloodAggregate } from './flood.js';
import type { Ends, Insights, NearMiss } from './insight.js';
import type { UnexpectedGroup } from './result.js';
import { zeroOutcomes } from './rule_acc.js';
import { isoMicros } from './time.js';

/** The fields of a group filled when the group is finished (results(), then withNamesAndGroups). */
type FinishedField = 'diagnosis' | 'communityIds' | 'clientNames' | 'serverNames';

interface GroupAcc {
  g: Omit<UnexpectedGroup, FinishedField>;
  first: number;
  last: number;
  ids: CommunityIdSample;
}

export class UnexpectedGroups {
  private readonly groups = new Map<string, GroupAcc>();
  /** Unanswered connections beyond the flood budget, folded per target (flood.ts). */
  private readonly flood = new FloodFold();

  constructor(
    private readonly insight: Insights,
    private readonly enabledRules: readonly MatrixRule[],
    private readonly disabledRules: readonly MatrixRule[],
  ) {}

  /** Count connection `c` (whose ends' roles are `ends`) in its group. */
  add(c: Connection, ends: Ends): void {
    const port = groupPort(c);
    const key = `${c.client}|${c.server}|${c.protocol}|${port}`;
    let acc = this.groups.get(key);
    if (acc === undefined) {
      if (this.flood.folds(c, this.groups.size)) return this.flood.add(c, ends.server.roles);
      acc = this.open(key, c, ends, port);
    }
    const g = acc.g;
    this.insight.onGroup(key, c);
    g.connections += c.count;
    g.packets += c.packets;
    g.bytes += c.bytes;
    g.outcomes[c.outcome] += c.count;
    g.states[c.state] = (g.states[c.state] ?? 0) + c.count;
    if (c.firstSeen < acc.first) acc.first = c.firstSeen;
    if (c.lastSeen > acc.last) acc.last = c.lastSeen;
    const cid = connectionCommunityId(c);
    if (cid !== null) acc.ids.add(cid);
    else for (const x of c.communityIds ?? []) acc.ids.add(x);
  }

  /** Attempts the engine folded while reading, into the flood aggregates (flood.ts addAttempts). */
  addAttempts(f: AttemptAggregate, serverRoles: readonly string[]): void {
    this.flood.addAttempts(f, serverRoles);
  }

  /** The flood aggregates (empty unless a flood went past the budget), largest first. */
  floods(): FloodAggregate[] {
    return this.flood.results();
  }

  /**
   * The groups, finished (times, diagnosis, Community IDs), in report order, near misses kept only
   * where the server's own evidence fits the role (`fit`). The names of both ends are filled by
   * withNamesAndGroups (grouping.ts) once every name is known.
   */
  results(fit: RoleFit): UnexpectedGroup[] {
    return [...this.groups.entries()]
      .map(([key, a]) => ({
        ...a.g,
        nearMisses: fittingNearMisses(a.g.nearMisses, fit),
        firstSeen: isoMicros(a.first),
        lastSeen: isoMicros(a.last),
        diagnosis: this.insight.groupDiagnosis(key),
        communityIds: a.ids.values(),
        clientNames: [],
        serverNames: [],
      }))
      .sort(compareGroups);
  }

  private open(key: string, c: Connection, ends: Ends, port: number): GroupAcc {
    const clientRoles = ends.client.roles;
    const serverRoles = ends.server.roles;
    const view = { protocol: c.protocol, serverPort: c.serverPort, clientRoles, serverRoles };
    const acc: GroupAcc = {
      g: {
        client: c.client,
        server: c.server,
        protocol: c.protocol,
        port,
        clientRoles: [...clientRoles],
        serverRoles: [...serverRoles],
        connections: 0,
        packets: 0,
        bytes: 0,
        outcomes: zeroOutcomes(),
        states: {},
        firstSeen: '',
        lastSeen: '',
        disabledRules: matchingRules(view, this.disabledRules).map((r) => r.id),
        nearMisses: this.insight.nearMisses(c, ends, this.enabledRules),
      },
      first: c.firstSeen,
      last: c.lastSeen,
      ids: new CommunityIdSample(),
    };
    this.groups.set(key, acc);
    return acc;
  }
}

/** Every group's near misses, one list, each with its text. */
export function nearMissesOf(unexpected: readonly UnexpectedGroup[], insight: Insights): NearMiss[] {
  return unexpected.flatMap((g) =>
    (g.nearMisses ?? []).map((n) => {
      const base = { ...n, client: g.client, server: g.server, protocol: g.protocol, port: g.port, connections: g.connections };
      return { ...base, text: insight.nearMissText(base) };
    }),
  );
}
