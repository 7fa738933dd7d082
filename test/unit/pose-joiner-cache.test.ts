/**
 * P4 joiners (room/peer-poses.ts): a session that subscribes to a doc gets, right after its `sync`, each
 * present peer's latest pose record and its latest record carrying app state, oldest seq first, so a
 * receiver that drops records not newer than the last one it saw (P4 rule 5) still takes the state.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';

describe('pose joiner cache', () => {
  it("P4: a joiner gets each peer's latest state record, then its latest pose record, after its sync", async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const doc = 's/cell';
    const alice = await posePeer(net.connect, 'alice-000000001', { docs: [doc] });
    const bob = await posePeer(net.connect, 'bob-00000000001', { token: 'reader', docs: [doc] });
    const withState = headRecord(1, 0.5, 0, { color: 'red' });
    alice.send({ type: 'pose', doc, record: withState });
    alice.send({ type: 'pose', doc, record: headRecord(2, 0.6) });
    alice.send({ type: 'pose', doc, record: headRecord(3, 0.7) });
    const bobState = headRecord(10, 2, 2, { color: 'blue' });
    bob.send({ type: 'pose', doc, record: bobState }); // one record with both: sent once
    await flushed(alice, 1);
    await flushed(bob, 2);

    const joiner = await posePeer(net.connect, 'joiner-00000001', { docs: [doc] });
    await flushed(joiner, 3);
    const i = joiner.frames.findIndex((f) => f.type === 'sync');
    const after = joiner.frames.slice(i + 1).filter((f) => f.type === 'peer-pose');
    expect(after.map((f) => [f.peer, f.user, readRecord(f.record).seq])).toEqual([
      ['alice-000000001', 'writer', 1],
      ['alice-000000001', 'writer', 3],
      ['bob-00000000001', 'reader', 10],
    ]);
    expect(after[0]!.record).toEqual(withState);
    expect(readRecord(after[0]!.record).state).toEqual({ color: 'red' });
    expect(readRecord(after[2]!.record).state).toEqual({ color: 'blue' });
    expect(joiner.frames.slice(0, i).filter((f) => f.type === 'peer-pose')).toEqual([]);
    await node.shutdown();
  });

  it('P4: a session resubscribing with its own records cached does not get its own records back', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const doc = 's/cell';
    const alice = await posePeer(net.connect, 'alice-000000001', { docs: [doc] });
    const other = await posePeer(net.connect, 'other-000000001', { docs: [doc] });
    alice.send({ type: 'pose', doc, record: headRecord(1, 0.5, 0, { n: 1 }) });
    await other.next('peer-pose');
    alice.send({ type: 'sub', doc, stateVector: new Uint8Array() });
    await alice.next('sync');
    await flushed(alice, 1);
    expect(alice.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    await node.shutdown();
  });
});
