/**
 * C4: a log row that does not apply (stored before validation caught its kind) never makes its doc
 * unloadable: a cold load leaves it out and quarantines it (listed, counted, logged once), an operator can
 * drop it, and a live room that meets one keeps delivering the versions after it.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ClientSocket } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { craftUpdate } from '../support/craft-update.js';

const DOC = 'a/doc';

/** An update of a doc whose client id is `client`: map m's `key` set to `value`, and text t gets `text`. */
function edit(client: number, key: string, value: string, text = ''): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = client;
  let update: Uint8Array = new Uint8Array();
  doc.on('update', (u: Uint8Array) => (update = u));
  doc.transact(() => {
    doc.getMap('m').set(key, value);
    if (text) doc.getText('t').insert(0, text);
  });
  return update;
}

/** Client 7's next item (its clock 4 follows edit(7, k, v, 'abc')) with an origin at a clock it never wrote. */
const BAD = craftUpdate([{ client: 7, clock: 4, structs: [{ kind: 'item', origin: { client: 7, clock: 11 }, content: { kind: 'string', text: 'hello' } }] }]);

const row = (seq: number, update: Uint8Array, clientId = 'client-old') => ({ tenant: 't1', doc: DOC, clientId, seq, actor: 'old', update });

function logSink() {
  const lines: string[] = [];
  return { lines, log: { info() {}, warn: (_o: object, msg: string) => void lines.push(msg), error() {} } };
}

async function subscriber(store: Store, log = logSink().log) {
  const { node, net } = memoryNode({ store, log });
  const c = await connectRaw(net.connect as (url: string) => ClientSocket);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: `client-${Math.random().toString(36).slice(2, 10)}`, token: 'writer' });
  await c.next('welcome');
  c.send({ type: 'sub', doc: DOC, stateVector: new Uint8Array() });
  const sync = await c.next('sync');
  const doc = new Y.Doc();
  Y.applyUpdate(doc, sync.update);
  return { node, net, c, sync, doc };
}

async function quarantinedCount(node: { metrics: { registry: { getSingleMetric(name: string): unknown } } }): Promise<number> {
  const metric = node.metrics.registry.getSingleMetric('cairn_quarantined_updates_total') as { get(): Promise<{ values: Array<{ value: number }> }> };
  return (await metric.get()).values.reduce((n, v) => n + v.value, 0);
}

describe('quarantine of log rows that do not apply', () => {
  it('C4: a cold node loads a doc whose log holds a row that throws: the row is quarantined, listed, counted and logged once', async () => {
    const store = createMemoryStore();
    await store.commitBatch([row(1, edit(7, 'a', 'first', 'abc')), row(2, BAD), row(3, edit(9, 'b', 'third'))]);
    const sink = logSink();
    const first = await subscriber(store, sink.log);
    expect(first.sync.version).toBe(3);
    expect(first.doc.getMap('m').toJSON()).toEqual({ a: 'first', b: 'third' });
    expect(first.doc.getText('t').toString()).toBe('abc');
    const listed = await store.listQuarantined('t1', DOC);
    expect(listed).toMatchObject([{ tenant: 't1', doc: DOC, version: 2, size: BAD.byteLength, droppedAt: null }]);
    expect(listed[0]!.reason).not.toBe('');
    expect(await quarantinedCount(first.node)).toBe(1);
    expect(sink.lines.filter((l) => l.startsWith('update quarantined'))).toHaveLength(1);

    // Another cold node: the row is already quarantined, so it is neither counted nor logged again.
    const again = logSink();
    const second = await subscriber(store, again.log);
    expect(second.doc.getMap('m').toJSON()).toEqual({ a: 'first', b: 'third' });
    expect(await quarantinedCount(second.node)).toBe(0);
    expect(again.lines.filter((l) => l.startsWith('update quarantined'))).toHaveLength(0);
  });

  it('C4: an earlier row whose item waited and throws when a later honest row completes it takes the blame', async () => {
    const store = createMemoryStore();
    // Client 11 at clock 3, origin at 11:10: waits for clocks 0..2; row 3 brings them and the apply throws.
    const waiting = craftUpdate([{ client: 11, clock: 3, structs: [{ kind: 'item', origin: { client: 11, clock: 10 }, content: { kind: 'string', text: 'x' } }] }]);
    const fill = craftUpdate([{ client: 11, clock: 0, structs: [{ kind: 'item', parent: 'm', parentSub: 'filled', content: { kind: 'any', values: [1, 2, 3] } }] }]);
    await store.commitBatch([row(1, edit(7, 'a', 'first')), row(2, waiting), row(3, fill)]);
    const { doc } = await subscriber(store);
    expect((await store.listQuarantined('t1', DOC)).map((q) => q.version)).toEqual([2]);
    expect(doc.getMap('m').get('filled')).toBe(3);
  });

  it('C4: a live room that meets a committed update that throws keeps delivering the next versions, never the bad one', async () => {
    const store = createMemoryStore();
    await store.commitBatch([row(1, edit(7, 'a', 'first', 'abc'))]);
    const { node, net, c } = await subscriber(store);
    // As if another node, from before validation caught it, committed and published it.
    const [outcome] = await store.commitBatch([row(2, BAD)]);
    expect(outcome!.version).toBe(2);
    const room = node.rooms.peek('t1', DOC)!;
    expect(() => room.applyCommitted(2, BAD)).not.toThrow();

    const writer = await connectRaw(net.connect as (url: string) => ClientSocket);
    writer.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-writer', token: 'writer' });
    await writer.next('welcome');
    writer.send({ type: 'push', doc: DOC, seq: 1, update: edit(9, 'b', 'third') });
    expect((await writer.next('ack')).seq).toBe(1);
    const delivered = await c.next('update', (f) => f.version === 3);
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, delivered.update);
    expect(mirror.getMap('m').get('b')).toBe('third');
    expect(c.frames.some((f) => f.type === 'update' && f.version === 2)).toBe(false);
    expect((await store.listQuarantined('t1', DOC)).map((q) => q.version)).toEqual([2]);
    await room.ready;
    expect(room.ydoc.getMap('m').toJSON()).toEqual({ a: 'first', b: 'third' });
  });

  it('C4: dropping a quarantined row empties it in the log, keeps its version, and marks the record', async () => {
    const store = createMemoryStore();
    await store.commitBatch([row(1, edit(7, 'a', 'first', 'abc')), row(2, BAD)]);
    await subscriber(store);
    expect(await store.dropQuarantined('t1', DOC, 2)).toBe(true);
    expect(await store.dropQuarantined('t1', DOC, 2)).toBe(false);
    expect((await store.loadUpdates('t1', DOC, 1)).map((r) => [...r.update])).toEqual([[0, 0]]);
    expect(await store.headVersion('t1', DOC)).toBe(2);
    const [record] = await store.listQuarantined('t1', DOC);
    expect(record!.droppedAt).toBeInstanceOf(Date);
  });
});

