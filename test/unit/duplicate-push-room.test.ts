/**
 * C5, second half: only a push the Store newly committed is applied to a room or fanned out. A duplicate's
 * outcome names the version its first copy was stored at, possibly in ANOTHER doc; applying the resent
 * bytes at that version let a room run ahead of Postgres, and the real commit of that version was then
 * dropped as "already held", so live subscribers never saw it.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

async function session(connect: (url: string) => ClientSocket, clientId: string, docs: string[] = []): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  await c.next('welcome');
  for (const doc of docs) {
    c.send({ type: 'sub', doc, stateVector: new Uint8Array() });
    await c.next('sync', (s) => s.doc === doc);
  }
  return c;
}

const updatesOf = (c: RawClient) => c.frames.filter((f) => f.type === 'update');

describe('a duplicate push is never applied to a room or fanned out', () => {
  it('C5: a resend naming another doc leaves that doc\'s room as it was, and a third client\'s later commit reaches its subscribers', async () => {
    const store = createMemoryStore();
    const { node, net } = memoryNode({ store });
    const watcher = await session(net.connect, 'watcher-0001', ['y/doc']);
    const resender = await session(net.connect, 'resender-0001');
    resender.send({ type: 'push', doc: 'x/doc', seq: 1, update: mapUpdate('first', 'x') });
    await resender.next('ack', (a) => a.seq === 1);
    // The same (clientId, seq) again, naming y/doc and carrying other bytes: acked as a duplicate of x/doc v1.
    resender.send({ type: 'push', doc: 'y/doc', seq: 1, update: mapUpdate('resent', 'y') });
    await resender.next('ack', (a) => a.seq === 1);

    const third = await session(net.connect, 'third-0001');
    third.send({ type: 'push', doc: 'y/doc', seq: 1, update: mapUpdate('third', 3) });
    await third.next('ack');
    await until(() => updatesOf(watcher).length > 0, 'the third client\'s commit at the watcher', 5_000);

    expect(updatesOf(watcher).map((u) => ({ version: u.version, m: mapOf(u.update) }))).toEqual([{ version: 1, m: { third: 3 } }]);
    const room = node.rooms.peek('t1', 'y/doc')!;
    expect(room.version).toBe(1);
    expect(room.ydoc.getMap('m').toJSON()).toEqual({ third: 3 });
    expect((await store.loadUpdates('t1', 'y/doc', 0)).map((r) => mapOf(r.update))).toEqual([{ third: 3 }]);
  });

  it('C5: a resend whose first commit was never published lets the room catch up from the Store', async () => {
    const store = createMemoryStore();
    const { node, net } = memoryNode({ store });
    const watcher = await session(net.connect, 'watcher-0002', ['y/gap']);
    const update = mapUpdate('orphan', 1);
    // Committed straight into the Store, as if its node died before applying and publishing it.
    const [outcome] = await store.commitBatch([{ tenant: 't1', doc: 'y/gap', clientId: 'resender-0002', seq: 7, actor: 'writer', update }]);
    expect(outcome).toEqual({ kind: 'committed', version: 1 });
    expect(node.rooms.peek('t1', 'y/gap')!.version).toBe(0);

    const resender = await session(net.connect, 'resender-0002');
    resender.send({ type: 'push', doc: 'y/gap', seq: 7, update });
    await resender.next('ack', (a) => a.seq === 7);

    const got = await watcher.next('update');
    expect({ version: got.version, m: mapOf(got.update) }).toEqual({ version: 1, m: { orphan: 1 } });
    expect(node.rooms.peek('t1', 'y/gap')!.version).toBe(1);
  });
});
