/**
 * P4 leave: when a session that posed in a doc unsubscribes it or its socket closes, the room's other
 * subscribers get `peer-pose` with the leave record (seq 0) for it, and joiners no longer get its records.
 * A client's own leave record (it moved to another cell) is relayed as it is and ends its presence there.
 */
import { describe, expect, it } from 'vitest';
import { leaveRecordBytes } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';

const doc = 's/cell';

describe('pose leave', () => {
  it('P4: unsub of a doc the session posed in sends a leave (seq 0) to the others and empties its cache entry', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: [doc] });
    const leaver = await posePeer(net.connect, 'leaver-00000001', { docs: [doc] });
    leaver.send({ type: 'pose', doc, record: headRecord(4, 1, 1, { n: 1 }) });
    await watcher.next('peer-pose');
    leaver.send({ type: 'unsub', doc });
    const leave = await watcher.next('peer-pose');
    expect(leave).toEqual({ type: 'peer-pose', doc, peer: 'leaver-00000001', user: 'writer', record: leaveRecordBytes() });
    expect(readRecord(leave.record)).toEqual({ seq: 0, leave: true });
    const joiner = await posePeer(net.connect, 'joiner-00000001', { docs: [doc] });
    await flushed(joiner, 1);
    expect(joiner.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
    await node.shutdown();
  });

  it('P4: a closed socket that posed sends a leave; one that never posed sends none', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: [doc] });
    const silent = await posePeer(net.connect, 'silent-00000001', { docs: [doc] });
    const poser = await posePeer(net.connect, 'poser-000000001', { docs: [doc] });
    poser.send({ type: 'pose', doc, record: headRecord(1, 0) });
    await watcher.next('peer-pose');
    silent.close();
    await silent.closed;
    poser.close();
    await poser.closed;
    const leave = await watcher.next('peer-pose');
    expect(leave).toMatchObject({ peer: 'poser-000000001', record: leaveRecordBytes() });
    await flushed(watcher, 1);
    expect(watcher.frames.filter((f) => f.type === 'peer-pose')).toHaveLength(2);
    await node.shutdown();
  });

  it("P4: a client's own leave record is relayed unchanged, and its later unsub sends no second leave", async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: [doc] });
    const mover = await posePeer(net.connect, 'mover-000000001', { docs: [doc] });
    mover.send({ type: 'pose', doc, record: headRecord(1, 0) });
    await watcher.next('peer-pose');
    const own = Uint8Array.of(32, 2); // leave, seq 2
    mover.send({ type: 'pose', doc, record: own });
    expect((await watcher.next('peer-pose')).record).toEqual(own);
    mover.send({ type: 'unsub', doc });
    await flushed(mover, 1);
    await flushed(watcher, 2);
    expect(watcher.frames.filter((f) => f.type === 'peer-pose')).toHaveLength(2);
    await node.shutdown();
  });
});
