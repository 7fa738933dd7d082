/**
 * The bus message codec (fanout/bus-message.ts): updates and presence round-trip; anything else decodes
 * to null and is dropped by the fan-out.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { MAX_BUS_POSES, decodeBusMessage, encodeBusMessage, type BusMessage, type PoseEntry } from '../../packages/server/src/fanout/bus-message.js';

describe('bus messages', () => {
  it('an update and a presence message round-trip', () => {
    const update: BusMessage = { kind: 'update', nodeId: 'node-a', tenant: 't', doc: 'space/doc', version: 2 ** 40, update: new Uint8Array([1, 2, 3]) };
    const presence: BusMessage = { kind: 'presence', nodeId: 'node-b', tenant: 't', doc: 'space/doc', payload: new Uint8Array([9, 8]) };
    expect(decodeBusMessage(encodeBusMessage(update))).toEqual(update);
    expect(decodeBusMessage(encodeBusMessage(presence))).toEqual(presence);
  });

  it('C5: an update carries its actor; one from a node that does not send it decodes without one', () => {
    const withActor: BusMessage = { kind: 'update', nodeId: 'n', tenant: 't', doc: 'space/doc', version: 3, update: new Uint8Array([0, 0]), actor: 'alice' };
    expect(decodeBusMessage(encodeBusMessage(withActor))).toEqual(withActor);
    const { actor: _actor, ...older } = withActor;
    expect(decodeBusMessage(encodeBusMessage(older))).toEqual(older);
    expect(decodeBusMessage(new Uint8Array([...encodeBusMessage(withActor), 0]))).toBeNull();
  });

  it('P4: a presence record (live or replayed) and a presence-sync request round-trip', () => {
    const pose: BusMessage = { kind: 'pose', nodeId: 'node-a', tenant: 't', doc: 'space/cell-u4pruy', peer: 'c'.repeat(32), user: 'alice', record: new Uint8Array([1, 5, 0, 0]), replay: false };
    const replay: BusMessage = { ...pose, replay: true };
    const sync: BusMessage = { kind: 'pose-sync', nodeId: 'node-b', tenant: 't', doc: 'space/cell-u4pruy' };
    for (const m of [pose, replay, sync]) expect(decodeBusMessage(encodeBusMessage(m))).toEqual(m);
    const bytes = encodeBusMessage(pose);
    expect(decodeBusMessage(Uint8Array.from([...bytes.subarray(0, -1), 2]))).toBeNull(); // replay is 0 or 1
  });

  it("P4: one turn's records of a doc (kind 5) round-trip in order with each entry's replay flag; malformed ones decode to null", () => {
    const entry = (i: number, replay = false): PoseEntry => ({ peer: `peer-${i}`, user: i % 2 ? 'alice' : '', record: new Uint8Array([1, i, 0, 0]), replay });
    const batch: BusMessage = { kind: 'poses', nodeId: 'node-a', tenant: 't', doc: 'space/cell-u4pruy', poses: [entry(1), entry(2, true), entry(3)] };
    expect(decodeBusMessage(encodeBusMessage(batch))).toEqual(batch);
    const full: BusMessage = { ...batch, poses: Array.from({ length: MAX_BUS_POSES }, (_, i) => entry(i % 200)) };
    expect(decodeBusMessage(encodeBusMessage(full))).toEqual(full);
    expect(decodeBusMessage(encodeBusMessage({ ...batch, poses: [...full.poses, entry(1)] }))).toBeNull(); // past the cap
    expect(decodeBusMessage(encodeBusMessage({ ...batch, poses: [entry(1)] }))).toBeNull(); // a lone record is kind 3
    const bytes = encodeBusMessage(batch);
    for (let n = 1; n < bytes.length; n++) expect(decodeBusMessage(bytes.subarray(0, n))).toBeNull();
    expect(decodeBusMessage(Uint8Array.from([...bytes.subarray(0, -1), 2]))).toBeNull(); // replay is 0 or 1
  });

  it('an unknown kind, a truncated message and trailing bytes decode to null', () => {
    const good = encodeBusMessage({ kind: 'presence', nodeId: 'n', tenant: 't', doc: 'd', payload: new Uint8Array([1]) });
    const unknown = encoding.createEncoder();
    encoding.writeVarUint(unknown, 99);
    encoding.writeVarString(unknown, 'n');
    expect(decodeBusMessage(encoding.toUint8Array(unknown))).toBeNull();
    expect(decodeBusMessage(good.subarray(0, good.length - 1))).toBeNull();
    expect(decodeBusMessage(new Uint8Array([...good, 0]))).toBeNull();
  });
});
