import { describe, expect, it } from 'vitest';
import { defaultServerPorts, inferDirection, type DirectionEvidence } from '../../src/flows/direction.js';

const sp = defaultServerPorts().add('tcp', 3268);
const base: DirectionEvidence = { isTcp: true, synFrom: 0, synAckFrom: 0, portA: 50000, portB: 389, hasPorts: true, icmpTypeA: -1 };

describe('inferDirection', () => {
  it.each([
    ['SYN from A decides, even against server ports', { synFrom: 1, portA: 389, portB: 50000 }, false, 'syn'],
    ['SYN from B flips', { synFrom: 2 }, true, 'syn'],
    ['SYN wins over SYN-ACK', { synFrom: 1, synAckFrom: 1 }, false, 'syn'],
    ['SYN-ACK from A means B initiated', { synAckFrom: 1 }, true, 'syn-ack'],
    ['SYN-ACK from B means A initiated', { synAckFrom: 2, portA: 389, portB: 50000 }, false, 'syn-ack'],
    ['midstream: server port on B', {}, false, 'server-port'],
    ['midstream: server port on A flips', { portA: 3268, portB: 61000 }, true, 'server-port'],
    ['both likely: <1024 side is server', { portA: 135, portB: 1433 }, true, 'server-port'],
    ['neither likely: first packet', { portA: 40000, portB: 41000 }, false, 'first-packet'],
    ['same port both sides: first packet', { portA: 53, portB: 53, isTcp: false }, false, 'first-packet'],
    ['UDP ignores SYN bits', { isTcp: false, synFrom: 2, portA: 53, portB: 33000 }, true, 'server-port'],
    ['ICMP echo reply first flips', { hasPorts: false, isTcp: false, icmpTypeA: 0 }, true, 'icmp-type'],
    ['ICMP echo request first keeps', { hasPorts: false, isTcp: false, icmpTypeA: 8 }, false, 'first-packet'],
  ] as const)('%s', (_name, patch, flipped, by) => {
    const d = inferDirection({ ...base, ...(patch as Partial<DirectionEvidence>) }, sp);
    expect(d).toEqual({ flipped, by });
  });
});
