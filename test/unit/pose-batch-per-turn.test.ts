/**
 * P4 batching (session/pose-batch.ts, fanout/fanout.ts): the records the server relays to one socket within
 * one event-loop turn reach it as ONE message (`peer-poses`, a lone record as `peer-pose`), all its docs
 * together, in the order they were relayed; any other frame the session sends in the turn comes after them.
 * Between nodes, a doc's records of one turn cross the bus as one message and the other node relays each.
 * A client cannot send either relay frame: it speaks only for itself (S1).
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer, readRecord } from '../support/pose-peers.js';
import { until } from '../support/until.js';

const doc = 's/cell-a';
const other = 's/cell-b';

/** The relay messages a peer received: each as [type, its records as `peer:seq`]. */
function relays(messages: Frame[]): Array<[string, string[]]> {
  return messages.flatMap((f): Array<[string, string[]]> => {
    if (f.type === 'peer-pose') return [[f.type, [`${f.peer}:${readRecord(f.record).seq}`]]];
    if (f.type === 'peer-poses') return [[f.type, f.poses.map((p) => `${p.peer}:${readRecord(p.record).seq}`)]];
    return [];
  });
}

const perPeer = (records: string[], peer: string) => records.filter((r) => r.startsWith(`${peer}:`)).map((r) => Number(r.split(':')[1]));

describe('pose batching per turn', () => {
  it('P4: records relayed in one turn reach each receiving socket as one peer-poses, every record once, in order per peer', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const ids = ['poser-a-000001', 'poser-b-000001', 'poser-c-000001'];
    const posers = await Promise.all(ids.map((id) => posePeer(net.connect, id, { docs: [doc] })));
    const watcher = await posePeer(net.connect, 'watcher-000001', { docs: [doc] });
    // Interleaved, all sent before the server's turn ends (the memory network delivers in microtasks).
    for (let seq = 1; seq <= 5; seq++) for (const p of posers) p.send({ type: 'pose', doc, record: headRecord(seq, seq / 10) });
    for (const [i, c] of [...posers, watcher].entries()) await flushed(c, i + 1);
    const got = relays(watcher.messages);
    expect(got).toHaveLength(1);
    expect(got[0]![0]).toBe('peer-poses');
    expect(got[0]![1]).toHaveLength(15);
    for (const id of ids) expect(perPeer(got[0]![1], id)).toEqual([1, 2, 3, 4, 5]);
    for (const [i, p] of posers.entries()) {
      const mine = relays(p.messages);
      expect(mine).toHaveLength(1); // the other two posers' ten records, in one message
      expect(mine[0]![1]).toHaveLength(10);
      expect(perPeer(mine[0]![1], ids[i]!)).toEqual([]);
    }
    expect((await node.metrics.posesRelayed.get()).values[0]?.value).toBe(15 + 3 * 10);
    await node.shutdown();
  });

  it('P4: a socket in two cell docs gets one message for both in a turn, in relay order; a lone record goes as peer-pose', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const inA = await posePeer(net.connect, 'poser-a-000001', { docs: [doc] });
    const inB = await posePeer(net.connect, 'poser-b-000001', { docs: [other] });
    const region = await posePeer(net.connect, 'region-0000001', { docs: [doc, other] });
    inA.send({ type: 'pose', doc, record: headRecord(1, 0) });
    inB.send({ type: 'pose', doc: other, record: headRecord(1, 0) });
    inA.send({ type: 'pose', doc, record: headRecord(2, 0) });
    await flushed(region, 1);
    const batch = region.messages.filter((f) => f.type === 'peer-poses');
    expect(batch).toHaveLength(1);
    expect(batch[0]!.type === 'peer-poses' && batch[0]!.poses.map((p) => [p.doc, p.peer, readRecord(p.record).seq])).toEqual([
      [doc, 'poser-a-000001', 1], [other, 'poser-b-000001', 1], [doc, 'poser-a-000001', 2],
    ]);
    inA.send({ type: 'pose', doc, record: headRecord(3, 0) });
    await flushed(region, 2);
    expect(relays(region.messages).map(([type, records]) => [type, records.length])).toEqual([['peer-poses', 3], ['peer-pose', 1]]);
    await node.shutdown();
  });

  it('P4: a frame the session sends after records relayed in the same turn leaves after them', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const poser = await posePeer(net.connect, 'poser-a-000001', { docs: [doc] });
    const watcher = await posePeer(net.connect, 'watcher-000001', { docs: [doc] });
    poser.send({ type: 'pose', doc, record: headRecord(1, 0) });
    poser.send({ type: 'pose', doc, record: headRecord(2, 0) });
    watcher.send({ type: 'ping', id: 7 }); // handled in the same turn, after the poses
    await watcher.next('pong');
    const tail = watcher.messages.slice(-2).map((f) => f.type);
    expect(tail).toEqual(['peer-poses', 'pong']);
    await node.shutdown();
  });

  it('P4/S1: a client that sends peer-poses or peer-pose is closed with MALFORMED_FRAME and nothing is relayed', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const watcher = await posePeer(net.connect, 'watcher-000001', { docs: [doc] });
    const forged = { doc, peer: 'watcher-000001', user: 'admin', record: headRecord(9, 0) };
    for (const frame of [{ type: 'peer-poses', poses: [forged, forged] }, { type: 'peer-pose', ...forged }] as Frame[]) {
      const forger = await posePeer(net.connect, 'forger-0000001', { docs: [doc] });
      forger.send(frame);
      expect((await forger.next('reject')).code).toBe('MALFORMED_FRAME');
      await forger.closed;
    }
    await flushed(watcher, 1);
    expect(relays(watcher.messages)).toEqual([]);
    await node.shutdown();
  });

  it("P4: a doc's records of one turn cross the bus as one message; the other node relays each, in order", async () => {
    const store = createMemoryStore();
    const hub = createMemoryBusHub();
    const a = memoryNode({ store, hub, nodeId: 'A' });
    const b = memoryNode({ store, hub, nodeId: 'B' });
    const onB = await posePeer(b.net.connect, 'watcher-000001', { docs: [doc] });
    const onA = await posePeer(a.net.connect, 'poser-a-000001', { docs: [doc] });
    await flushed(onA, 1);
    await new Promise((r) => setTimeout(r, 20)); // the presence-sync exchange of B's new room is over
    const delivered = async () => (await b.node.metrics.registry.getSingleMetric('cairn_fanout_delivered_total')!.get()).values[0]?.value ?? 0;
    const before = await delivered();
    for (let seq = 1; seq <= 6; seq++) onA.send({ type: 'pose', doc, record: headRecord(seq, seq) });
    await until(() => onB.frames.filter((f) => f.type === 'peer-pose').length >= 6, 'six records on B');
    expect(await delivered()).toBe(before + 1);
    expect(relays(onB.messages).flatMap(([, r]) => r)).toEqual([1, 2, 3, 4, 5, 6].map((s) => `poser-a-000001:${s}`));
    await Promise.all([a.node.shutdown(), b.node.shutdown()]);
  });
});
