/**
 * X1 on open: a space that opens a cell doc whose replica holds a stored cell index (spatial/cell-index.ts)
 * fills its R-tree from it while the doc hydrates, and shows exactly what reading the doc shows. The index
 * is tied to the mark of the doc's stored rows (replica-store.ts MarkedDoc): a row appended after it was
 * stored makes it stale, and a stale one is never shown, not even for a moment. Dexie schema 2 adds the
 * table and keeps every row of a schema 1 replica.
 */
import { Dexie } from 'dexie';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { cellDocId, type Vec3 } from '@cairn/shared';
import { createCairnClient, type CairnClient, type Space, type SpaceAnchor } from '@cairn/client';
import { openDexieStore } from '../../packages/client/src/replica/dexie-store.js';
import type { ReplicaStore } from '../../packages/client/src/replica/replica-store.js';
import { createCellIndexSaves } from '../../packages/client/src/replica/cell-index-saves.js';
import { createManualTimers, freshIndexedDB } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const SPACE = 'plaza';
const clients: CairnClient[] = [];
const stores: ReplicaStore[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

type Idb = ReturnType<typeof freshIndexedDB>;

function offlineClient(idb: Idb): CairnClient {
  const c = createCairnClient({ url: 'ws://127.0.0.1:9/v1/sync', broadcastChannel: null, networkEvents: null, ...idb });
  c.goOffline();
  clients.push(c);
  return c;
}

async function close(c: CairnClient): Promise<void> {
  clients.splice(clients.indexOf(c), 1);
  await c.destroy();
}

const pose = (p: Vec3) => ({ p, q: [0, 0, 0, 1] as [number, number, number, number] });
const view = (s: Space) => JSON.stringify(s.anchors.all().sort((a, b) => a.id.localeCompare(b.id)));

/** Anchors in two cells: one moved across the edge (a forwarding tombstone), one deleted, one with a TTL. */
async function seed(idb: Idb): Promise<{ cells: string[]; moved: string }> {
  const c = offlineClient(idb);
  const s = c.space(SPACE, { origin: ORIGIN, precision: 7 });
  const a = await s.anchors.create({ pose: pose([1, 0, 1]), props: { name: 'a' } });
  const b = await s.anchors.create({ pose: pose([2, 0, 2]), props: { name: 'b' } });
  const far = await s.anchors.create({ pose: pose([400, 1, -400]), props: { name: 'far' }, ttlMs: 3_600_000 });
  await s.openCells([a.cell, far.cell]); // edits need the anchor's cell open
  const moved = await s.anchors.move(a.id, pose([401, 0, -401]));
  await s.anchors.delete(b.id);
  const cells = [...new Set([a.cell, b.cell, far.cell, moved.cell])];
  expect(cells.length).toBeGreaterThan(1);
  await close(c);
  return { cells, moved: a.id };
}

async function openSpace(idb: Idb, cells: string[], onChange?: (s: Space) => void): Promise<{ c: CairnClient; s: Space }> {
  const c = offlineClient(idb);
  const s = c.space(SPACE, { origin: ORIGIN, precision: 7 });
  if (onChange) s.anchors.onChange(() => onChange(s));
  await s.openCells(cells);
  return { c, s };
}

async function storedIndexes(idb: Idb, cells: string[]): Promise<number> {
  const store = await openDexieStore({ ...idb, compactThreshold: 64, onFailure: () => undefined });
  stores.push(store);
  let n = 0;
  for (const cell of cells) if (await store.loadCellIndex(cellDocId(SPACE, cell))) n++;
  await store.close();
  stores.pop();
  return n;
}

/** Marks the stored entries' names, so a test can tell them from the docs' (a real index equals the doc). */
async function markStored(idb: Idb): Promise<void> {
  const store = await openDexieStore({ ...idb, compactThreshold: 64, onFailure: () => undefined });
  await store.db.table('cellIndex').toCollection().modify((row: { input: { entries: { props: Record<string, unknown> }[] } }) => {
    for (const e of row.input.entries) if (typeof e.props.name === 'string') e.props.name = `${e.props.name}-stored`;
  });
  await store.close();
}

describe('a stored cell index fills the space index on open (X1)', () => {
  it('X1: reopened from stored cell indexes, the space shows what reading the docs showed; moved, deleted and expiring anchors alike', async () => {
    const idb = freshIndexedDB();
    const { cells } = await seed(idb);
    expect(await storedIndexes(idb, cells)).toBe(0); // the writes' own opens started from empty docs

    const first = await openSpace(idb, cells);
    const read = view(first.s);
    expect(first.s.anchors.all().map((a) => a.props.name).sort()).toEqual(['a', 'far']);
    await close(first.c);
    expect(await storedIndexes(idb, cells)).toBe(cells.length);

    const seen: string[] = [];
    const second = await openSpace(idb, cells, (s) => seen.push(view(s)));
    expect(view(second.s)).toBe(read);
    expect(seen.at(-1)).toBe(read);
    // X2: the clock learnt the docs' HLCs from the stored index: a new move wins over the stored pose.
    const a = second.s.anchors.all().find((x) => x.props.name === 'a')!;
    const again = await second.s.anchors.move(a.id, pose([402, 0, -402]));
    expect(again.pose.hlc > a.pose.hlc).toBe(true);
  });

  it('X1: an open takes the entries of a cell index stored for the same mark, before and after the doc hydrates', async () => {
    const idb = freshIndexedDB();
    const { cells } = await seed(idb);
    await close((await openSpace(idb, cells)).c); // stores the cell indexes
    await markStored(idb);

    const names: string[][] = [];
    const { s } = await openSpace(idb, cells, (sp) => names.push(sp.anchors.all().map((a) => String(a.props.name)).sort()));
    expect(names[0]).toEqual(expect.arrayContaining([expect.stringMatching(/-stored$/)]));
    expect(s.anchors.all().map((a) => a.props.name).sort()).toEqual(['a-stored', 'far-stored']);
  });

  it('X1: a row appended after the cell index was stored makes it stale, and the stale one is never shown', async () => {
    const idb = freshIndexedDB();
    const { cells, moved } = await seed(idb);
    await close((await openSpace(idb, cells)).c); // stores the cell indexes
    expect(await storedIndexes(idb, cells)).toBe(cells.length);

    await markStored(idb);
    // Another session edits the anchor: its cell doc gets a row after the stored index's mark.
    const editor = await openSpace(idb, cells);
    await editor.s.anchors.move(moved, pose([405, 2, -405]));
    await close(editor.c);

    const seen: SpaceAnchor[] = [];
    const reopened = await openSpace(idb, cells, (s) => {
      const a = s.anchors.get(moved);
      if (a) seen.push(a);
    });
    expect(reopened.s.anchors.get(moved)?.pose.p).toEqual([405, 2, -405]);
    expect(seen.length).toBeGreaterThan(0);
    for (const a of seen) expect([a.pose.p, a.props.name]).toEqual([[405, 2, -405], 'a']);
  });
});

describe('the replica keeps cell indexes tied to the rows they were read from', () => {
  const DOC = cellDocId(SPACE, 'u09tvw0');
  const row = (doc: Y.Doc, k: string) => {
    let u: Uint8Array | null = null;
    doc.once('update', (x: Uint8Array) => (u = x));
    doc.getMap('poses').set(k, 1);
    return u!;
  };

  it('X1: compaction keeps the mark (the index stays valid); a new row, dropDoc and eviction each make it go', async () => {
    const idb = freshIndexedDB();
    const store = await openDexieStore({ ...idb, compactThreshold: 2, onFailure: () => undefined });
    stores.push(store);
    const doc = new Y.Doc();
    for (let i = 0; i < 4; i++) await store.writeRemote(DOC, row(doc, `k${i}`), null);
    await store.compacted(); // past the threshold: the rows are merged into the snapshot
    const { mark } = await store.loadDocMarked(DOC);
    expect(mark).not.toBeNull();
    await store.saveCellIndex(DOC, mark!, { stored: 1 });
    expect(await store.loadCellIndex(DOC)).toEqual({ mark, input: { stored: 1 } });

    await store.writeRemote(DOC, row(doc, 'k9'), null);
    await store.compacted();
    expect(await store.loadCellIndex(DOC)).toBeNull();
    await store.saveCellIndex(DOC, mark!, { stored: 'stale' }); // read before the new row: refused
    expect(await store.loadCellIndex(DOC)).toBeNull();

    const now = (await store.loadDocMarked(DOC)).mark!;
    await store.saveCellIndex(DOC, now, { stored: 2 });
    expect(await store.loadCellIndex(DOC)).toEqual({ mark: now, input: { stored: 2 } });
    await store.dropDoc(DOC, 'DOC_DELETED', 'gone', 0);
    expect(await store.loadCellIndex(DOC)).toBeNull();

    await store.writeRemote(DOC, Y.encodeStateAsUpdate(doc), null);
    const fresh = (await store.loadDocMarked(DOC)).mark!;
    await store.saveCellIndex(DOC, fresh, { stored: 3 });
    expect(await store.loadCellIndex(DOC)).not.toBeNull();
    await store.evict({ visitedBefore: Infinity, held: () => false, now: 0 });
    expect(await store.loadCellIndex(DOC)).toBeNull();
  });

  it('schema 2: a replica written at schema 1 opens with every row kept (docs, updates, outbox, dead letters, meta)', async () => {
    const idb = freshIndexedDB();
    const v1 = new Dexie(idb.dbName, { indexedDB: idb.indexedDB, IDBKeyRange: idb.IDBKeyRange });
    v1.version(1).stores({ docs: 'doc', updates: '++id, doc', outbox: 'seq', deadLetters: 'seq', meta: 'key' });
    const doc = new Y.Doc();
    const snapshot = row(doc, 'old');
    const update = row(doc, 'new');
    await v1.table('docs').put({ doc: DOC, snapshot });
    await v1.table('updates').add({ doc: DOC, update });
    await v1.table('outbox').put({ seq: 7, doc: DOC, update, createdAt: 5 });
    await v1.table('deadLetters').put({ seq: 6, doc: DOC, update, code: 'FORBIDDEN', message: 'no', at: 4 });
    await v1.table('meta').bulkPut([{ key: 'clientId', value: 'c-v1' }, { key: 'lastSeq', value: 7 }, { key: `version:${DOC}`, value: 12 }]);
    v1.close();

    const store = await openDexieStore({ ...idb, compactThreshold: 64, onFailure: () => undefined });
    stores.push(store);
    expect(store.db.verno).toBe(2);
    expect(await store.clientId()).toBe('c-v1');
    const loaded = new Y.Doc();
    for (const r of await store.loadDoc(DOC)) Y.applyUpdate(loaded, r);
    expect(loaded.getMap('poses').toJSON()).toEqual({ old: 1, new: 1 });
    expect((await store.outboxAfter(0)).map((r) => r.seq)).toEqual([7]);
    expect((await store.deadLetters()).map((d) => [d.seq, d.code])).toEqual([[6, 'FORBIDDEN']]);
    expect(await store.docVersion(DOC)).toBe(12);
    const { mark } = await store.loadDocMarked(DOC);
    expect(await store.loadCellIndex(DOC)).toBeNull();
    await store.saveCellIndex(DOC, mark!, { stored: 1 });
    expect(await store.loadCellIndex(DOC)).toEqual({ mark, input: { stored: 1 } });
    expect((await store.writeLocal([{ doc: DOC, update: row(doc, 'next') }], 9))[0]).toBe(8);
  });
});

describe('cell index saves wait until the opens that asked for them are past', () => {
  it('X1: a save is written a delay after the last one came in, a newer one of a doc replaces it, and flush writes at once', async () => {
    const timers = createManualTimers();
    const written: [string, number][] = [];
    const saves = createCellIndexSaves(async (doc, mark) => void written.push([doc, mark]), timers, 1_000);
    saves.add('s/a', 1, {});
    timers.advance(600);
    saves.add('s/a', 2, {});
    saves.add('s/b', 5, {});
    timers.advance(600);
    expect(written).toEqual([]); // still within the delay of the last one
    timers.advance(400);
    expect(written).toEqual([['s/a', 2], ['s/b', 5]]);
    saves.add('s/c', 7, {});
    await saves.flush();
    expect(written).toEqual([['s/a', 2], ['s/b', 5], ['s/c', 7]]);
    expect(timers.pending()).toEqual([]);
  });

  it('a failed save is dropped: it only costs the next open its shortcut', async () => {
    const timers = createManualTimers();
    const saves = createCellIndexSaves(() => Promise.reject(new Error('quota')), timers, 10);
    saves.add('s/a', 1, {});
    await expect(saves.flush()).resolves.toBeUndefined();
  });
});
