import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/flows/conn_state.js';
import { emptyConnection } from '../../src/flows/connection.js';
import { PartialAcc } from '../../src/audit/partial.js';

/** [client, server, server port, outcome] per connection, in walk order. */
type Row = [string, string, number, Outcome];

function failures(rows: Row[]): string[] {
  const acc = new PartialAcc();
  for (const [client, server, port, outcome] of rows) {
    const c = emptyConnection();
    Object.assign(c, { protocol: 'tcp', ipProto: 6, client, server, serverPort: port, outcome, state: outcome === 'answered' ? 'SF' : outcome === 'refused' ? 'REJ' : 'S0' });
    acc.add(c, false);
  }
  return acc.finish(() => null, (xs) => [...xs].sort()).map((f) => `${f.side} ${f.address} ${f.port} ${f.how} ${f.attempts}`);
}

describe('PartialAcc: a member fails only when none of its connections was answered', () => {
  it.each<[string, Row[], string[]]>([
    ['one server refuses while another answers', [['c1', 'dc1', 389, 'answered'], ['c1', 'dc2', 389, 'refused'], ['c2', 'dc2', 389, 'refused']], ['server dc2 389 refused 2', 'client c2 389 refused 1']],
    ['answered after failing: not a failure', [['c1', 'dc1', 389, 'answered'], ['c1', 'dc2', 389, 'refused'], ['c1', 'dc2', 389, 'answered']], []],
    ['failing after answered: not a failure', [['c1', 'dc1', 389, 'answered'], ['c1', 'dc2', 389, 'answered'], ['c1', 'dc2', 389, 'refused']], []],
    ['a client whose every attempt failed', [['c1', 'dc1', 389, 'answered'], ['c2', 'dc1', 389, 'unanswered'], ['c2', 'dc1', 636, 'refused']], ['client c2 389,636 mixed 2']],
    ['ports in numeric order, at most 8 kept', [['c1', 'dc1', 389, 'answered'], ...[9, 8, 7, 6, 5, 4, 3, 2, 1].map((p): Row => ['c1', 'dc2', p, 'refused'])], ['server dc2 2,3,4,5,6,7,8,9 refused 9']],
    ['nothing answered at all: no member failure', [['c1', 'dc1', 389, 'refused'], ['c1', 'dc2', 389, 'refused']], []],
    ['one end, failing: no other answered, none listed', [['c1', 'dc1', 389, 'refused']], []],
  ])('%s', (_name, rows, want) => {
    expect(failures(rows)).toEqual(want);
  });
});
