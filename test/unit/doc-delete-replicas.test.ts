/**
 * L2 from the replicas' side, on a real node (memory seams) and real clients (Dexie on fake-indexeddb): a
 * deleted doc or space reaches every replica that holds it as `reject {doc, DOC_DELETED}`; the client drops
 * the doc from IndexedDB and from the space's R-tree (X1), dead-letters its unacknowledged edits (O7),
 * stops resubscribing, and tells the app once per doc. A restore lets a new subscription have it back.
 */
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { createCairnClient, type CairnClient, type DocDeleted, type Rejection } from '@cairn/client';
import { PROTOCOL_VERSION, decodeFrame, type ClientSocket, type MemoryNetwork } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode, WRITER } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { freshIndexedDB, until } from './support/client-harness.js';

const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  subs.length = 0;
});

/** Docs of every `sub` the clients sent, in order. */
const subs: string[] = [];

function clientOn(net: MemoryNetwork, db = freshIndexedDB()): CairnClient {
  const c = createCairnClient({
    url: 'mem://node', token: 'writer', broadcastChannel: null, networkEvents: null, ...db,
    socket: (url: string): ClientSocket => {
      const socket = net.connect(url);
      const send = socket.send.bind(socket);
      socket.send = (data) => {
        const frame = decodeFrame(data);
        if (frame.type === 'sub') subs.push(frame.doc);
        send(data);
      };
      return socket;
    },
  });
  clients.push(c);
  return c;
}

/** What IndexedDB holds of `doc`: its state rows, version key and outbox rows (read with Dexie's dynamic mode). */
async function stored(db: ReturnType<typeof freshIndexedDB>, doc: string) {
  const raw = new Dexie(db.dbName, { indexedDB: db.indexedDB, IDBKeyRange: db.IDBKeyRange });
  await raw.open();
  try {
    return {
      docs: await raw.table('docs').where('doc').equals(doc).count(),
      updates: (await raw.table('updates').toArray()).filter((r: { doc: string }) => r.doc === doc).length,
      version: (await raw.table('meta').get(`version:${doc}`)) !== undefined,
      outbox: (await raw.table('outbox').toArray()).filter((r: { doc: string }) => r.doc === doc).length,
      deadLetters: (await raw.table('deadLetters').toArray()).filter((r: { doc: string }) => r.doc === doc).map((r: { code: string }) => r.code),
    };
  } finally {
    raw.close();
  }
}

describe('L2: replicas learn of a delete and drop their copy', () => {
  it('L2/X1: a space deleted under a connected client: one doc-deleted per held doc, IndexedDB and the R-tree emptied, no resubscribe', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const db = freshIndexedDB();
    const client = clientOn(net, db);
    const deleted: DocDeleted[] = [];
    client.on('doc-deleted', (e) => deleted.push(e));
    const space = client.space('site', { origin: { lat: 48.85, lon: 2.35, alt: 0 } });
    const anchor = await space.anchors.create({ pose: { p: [1, 0, -2], q: [0, 0, 0, 1] } });
    await space.openCells([anchor.cell]);
    const notes = await client.open('site/notes');
    notes.getMap('m').set('k', 1);
    await client.whenSynced();
    const cellDoc = `site/cell/${anchor.cell}`;
    expect(space.anchors.all().map((a) => a.id)).toEqual([anchor.id]);
    expect(await stored(db, cellDoc)).toMatchObject({ version: true });

    await node.deletions.remove(WRITER, 'site', null);

    await until(() => deleted.length === 3, 'a doc-deleted for the meta doc, the cell doc and the notes');
    expect(deleted.map((e) => e.doc).sort()).toEqual([cellDoc, 'site/meta', 'site/notes']);
    expect(deleted.every((e) => e.space === 'site' && e.deadLetters === 0)).toBe(true);
    expect(space.anchors.all()).toEqual([]); // X1: the index holds nothing of the deleted cell
    expect(space.anchors.within([0, 0, 0], 100)).toEqual([]);
    for (const doc of [cellDoc, 'site/notes', 'site/meta']) {
      expect(await stored(db, doc)).toEqual({ docs: 0, updates: 0, version: false, outbox: 0, deadLetters: [] });
    }
    // No resubscribe after a reconnect: the server hears no sub of the deleted docs again.
    subs.length = 0;
    client.goOffline();
    expect(client.status.state).toBe('offline');
    client.goOnline();
    await client.whenSynced();
    expect(subs).toEqual([]);
    expect(deleted).toHaveLength(3);
  });

  it('L2/O7: an offline client learns at its next sub; its pending edit goes to the dead letters with DOC_DELETED', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const writer = clientOn(net);
    const doc = await writer.open('site/notes');
    doc.getMap('m').set('shared', 1);
    await writer.whenSynced();

    const db = freshIndexedDB();
    const offline = clientOn(net, db);
    const copy = await offline.open('site/notes');
    await offline.whenSynced();
    expect(copy.getMap('m').toJSON()).toEqual({ shared: 1 });
    offline.goOffline();
    copy.getMap('m').set('pending', 2);
    await offline.flush();
    expect(await stored(db, 'site/notes')).toMatchObject({ outbox: 1 });

    await node.deletions.remove(WRITER, 'site', 'site/notes');
    const deleted: DocDeleted[] = [];
    const rejected: Rejection[] = [];
    offline.on('doc-deleted', (e) => deleted.push(e));
    offline.on('rejected', (r) => rejected.push(r));
    offline.goOnline();

    await until(() => deleted.length === 1, 'the offline client is told at its sub');
    expect(deleted[0]).toMatchObject({ doc: 'site/notes', space: 'site', deadLetters: 1 });
    await until(() => offline.status.undeliverable === 1 && offline.status.pending === 0, 'the edit is a dead letter');
    expect((await offline.deadLetters.list()).map((d) => [d.doc, d.code])).toEqual([['site/notes', 'DOC_DELETED']]);
    expect(rejected.map((r) => [r.doc, r.code])).toEqual([['site/notes', 'DOC_DELETED']]);
    expect(await stored(db, 'site/notes')).toEqual({ docs: 0, updates: 0, version: false, outbox: 0, deadLetters: ['DOC_DELETED'] });
    expect(await node.deletions.list(WRITER.tenant, 'site')).toHaveLength(1);
  });

  it('L2: after a restore, a client that opens the doc again gets it back whole', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    const writer = clientOn(net);
    const doc = await writer.open('site/notes');
    doc.getMap('m').set('k', 'kept');
    await writer.whenSynced();
    const deleted: DocDeleted[] = [];
    writer.on('doc-deleted', (e) => deleted.push(e));
    await node.deletions.remove(WRITER, 'site', 'site/notes');
    await until(() => deleted.length === 1, 'told of the delete');

    // Still deleted: opening again is refused again, and holds nothing.
    const again = await writer.open('site/notes');
    await until(() => deleted.length === 2, 'refused again while deleted');
    expect(again.getMap('m').toJSON()).toEqual({});

    await node.deletions.restore(WRITER, 'site', 'site/notes');
    const back = await writer.open('site/notes');
    await writer.whenSynced();
    expect(back.getMap('m').toJSON()).toEqual({ k: 'kept' });
    expect(await node.deletions.list(WRITER.tenant, 'site')).toEqual([]);
  });

  it('L2: a push to a deleted doc gets reject {seq, DOC_DELETED}; a session of protocol 2 (no code 35) gets FORBIDDEN, which it dead-letters', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore() });
    await node.deletions.remove(WRITER, 'site', null);
    for (const [version, code] of [[PROTOCOL_VERSION, 'DOC_DELETED'], [2, 'FORBIDDEN']] as const) {
      const raw = await connectRaw(net.connect);
      raw.send({ type: 'hello', protocolVersion: version, clientId: `raw-${version}-0123456789abcdef`, token: 'writer' });
      await raw.next('welcome');
      raw.send({ type: 'sub', doc: 'site/notes', stateVector: new Uint8Array([0]) });
      expect(await raw.next('reject', (r) => r.seq === null)).toMatchObject({ doc: 'site/notes', code });
      raw.send({ type: 'push', doc: 'site/notes', seq: 1, update: mapUpdate('k', 1) });
      expect(await raw.next('reject', (r) => r.seq === 1)).toMatchObject({ doc: 'site/notes', code, message: expect.stringContaining('deleted') });
      // Refused for good, so acked past (A1); nothing was stored.
      raw.send({ type: 'push', doc: 'other/notes', seq: 2, update: mapUpdate('k', 2) });
      await raw.next('ack', (a) => a.seq === 2);
      raw.close();
    }
  });
});
