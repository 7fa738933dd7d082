/**
 * P4 across nodes on the in-memory bus (the same on Redis: test/integration/pose-two-nodes.test.ts): a record
 * crosses to the other nodes' subscribers of the doc with the sender's server-set identity; a node that
 * starts following a doc asks the others (presence-sync) and its joiners get every peer's state at once; a
 * leave crosses too.
 */
import { describe, expect, it } from 'vitest';
import { leaveRecordBytes } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';
import { until } from '../support/until.js';

const doc = 's/cell';

function twoNodes() {
  const store = createMemoryStore();
  const hub = createMemoryBusHub();
  return { a: memoryNode({ store, hub, nodeId: 'A' }), b: memoryNode({ store, hub, nodeId: 'B' }) };
}

describe('poses between nodes', () => {
  it('P4: a record sent on node A reaches a subscriber on node B as peer-pose with the sender identity; its leave too', async () => {
    const { a, b } = twoNodes();
    const onB = await posePeer(b.net.connect, 'watcher-0000001', { docs: [doc] });
    const onA = await posePeer(a.net.connect, 'poser-000000001', { token: 'reader', docs: [doc] });
    const record = headRecord(5, 1, 2, { hi: 1 });
    onA.send({ type: 'pose', doc, record });
    expect(await onB.next('peer-pose')).toEqual({ type: 'peer-pose', doc, peer: 'poser-000000001', user: 'reader', record });
    onA.close();
    expect(await onB.next('peer-pose')).toMatchObject({ peer: 'poser-000000001', record: leaveRecordBytes() });
    await Promise.all([a.node.shutdown(), b.node.shutdown()]);
  });

  it("P4: a joiner on node B, whose room there is new, gets node A's peers' state and pose via presence-sync", async () => {
    const { a, b } = twoNodes();
    const alice = await posePeer(a.net.connect, 'alice-000000001', { docs: [doc] });
    alice.send({ type: 'pose', doc, record: headRecord(1, 0, 0, { color: 'red' }) });
    alice.send({ type: 'pose', doc, record: headRecord(2, 0.1) });
    await flushed(alice, 1);
    expect(b.node.rooms.peek('t1', doc)).toBeUndefined(); // B never followed the doc: it saw none of it live
    const joiner = await posePeer(b.net.connect, 'joiner-00000001', { docs: [doc] });
    await until(() => joiner.frames.filter((f) => f.type === 'peer-pose').length >= 2, 'the replayed records on B');
    const got = joiner.frames.filter((f) => f.type === 'peer-pose');
    expect(got.map((f) => [f.peer, f.user, readRecord(f.record).seq])).toEqual([['alice-000000001', 'writer', 1], ['alice-000000001', 'writer', 2]]);
    expect(readRecord(got[0]!.record).state).toEqual({ color: 'red' });
    await Promise.all([a.node.shutdown(), b.node.shutdown()]);
  });
});
