/**
 * Folded attempts carry no 5-tuples, so merge sums them: where sensors of different names folded
 * attempts to the same target over overlapping times, the merged report says the count is an upper
 * bound (and says nothing when the windows or targets differ, or one sensor made both parts).
 */
import { describe, expect, it } from 'vitest';
import { foldedAttemptOverlaps, type AuditState } from '../../src/audit/merge.js';

const part = (name: string, sensor: string, attempts: { server: string; port: number | null; first: number; last: number }[]) => ({
  name,
  state: { sensor, facts: { attempts: attempts.map((a) => ({ protocol: 'tcp', ipProto: 6, server: a.server, port: a.port, firstSeen: a.first, lastSeen: a.last })) } } as unknown as AuditState,
});

describe('foldedAttemptOverlaps', () => {
  it.each([
    ['two sensors, same target, overlapping times', [part('a', 'tap1', [{ server: '10.0.0.2', port: 445, first: 0, last: 10 }]), part('b', 'tap2', [{ server: '10.0.0.2', port: 445, first: 5, last: 20 }])], 1],
    ['two sensors, same target, disjoint times', [part('a', 'tap1', [{ server: '10.0.0.2', port: 445, first: 0, last: 10 }]), part('b', 'tap2', [{ server: '10.0.0.2', port: 445, first: 11, last: 20 }])], 0],
    ['two sensors, other ports', [part('a', 'tap1', [{ server: '10.0.0.2', port: 445, first: 0, last: 10 }]), part('b', 'tap2', [{ server: '10.0.0.2', port: 139, first: 0, last: 10 }])], 0],
    ['one sensor in two parts (warned about elsewhere)', [part('a', 'tap1', [{ server: '10.0.0.2', port: 445, first: 0, last: 10 }]), part('b', 'tap1', [{ server: '10.0.0.2', port: 445, first: 0, last: 10 }])], 0],
    ['three sensors on one target: one warning', [part('a', 's1', [{ server: '*', port: null, first: 0, last: 10 }]), part('b', 's2', [{ server: '*', port: null, first: 0, last: 10 }]), part('c', 's3', [{ server: '*', port: null, first: 0, last: 10 }])], 1],
  ])('%s', (_name, parts, n) => {
    const w = foldedAttemptOverlaps(parts);
    expect(w).toHaveLength(n);
    for (const x of w) expect(x).toMatch(/^sensors "\w+" and "\w+" both folded attempts to tcp (10\.0\.0\.2\/445|\* \(many ports\)): .*counts any both saw twice \(an upper bound\)$/);
  });
});
