import { defaultServerPorts, type ServerPorts } from '../flows/direction.js';
import type { Matrix } from '../matrix/types.js';

/** Widest range of a matrix rule still treated as "likely server ports" for direction inference. */
const MAX_RANGE_AS_SERVER = 1024;

/**
 * Likely server ports for direction inference: the defaults plus every matrix port, except wide
 * ranges (the RPC dynamic range 49152–65535 overlaps every client's ephemeral ports).
 */
export function serverPortsFor(matrix: Matrix): ServerPorts {
  const sp = defaultServerPorts();
  for (const rule of matrix.rules) {
    for (const r of rule.portRanges) {
      if (r.to - r.from < MAX_RANGE_AS_SERVER) sp.add(rule.protocol, r.from, r.to);
    }
  }
  return sp;
}
