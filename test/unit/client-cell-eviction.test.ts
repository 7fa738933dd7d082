/**
 * The replica stays bounded (replica/eviction.ts, replica/evictor.ts): cell docs not visited for
 * `replica.evictAfterMs` leave IndexedDB, never while they hold an unsynced edit (outbox row, dead letter)
 * or are held open, and a re-visit re-syncs them from the server (O3). Virtual wall clock (`now`) and
 * manual timers for the passes; fake-indexeddb for the replica.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { cellDocId, readCell } from '@cairn/shared';
import type { CairnClient, CairnClientOptions, CellsEvicted, Space } from '@cairn/client';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, freshIndexedDB, until, type ManualTimers } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const EVICT_AFTER_MS = 60_000;
/** evictor.ts: passes run every evictAfterMs / 4 (at most 15 min). */
const PASS_MS = EVICT_AFTER_MS / 4;
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

const pose = (x: number) => ({ p: [x, 0, 0] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] });

interface Harness {
  client: CairnClient;
  server: FakeServer;
  space: Space;
  timers: ManualTimers;
  evicted: CellsEvicted[];
  /** Moves the wall clock on. */
  age(ms: number): void;
  /** Runs the next periodic eviction pass to its end. */
  pass(): Promise<void>;
}

async function harness(opts: Partial<CairnClientOptions> = {}, server = createFakeServer()): Promise<Harness> {
  let clock = 1_000_000;
  const timers = createManualTimers();
  const client = clientOn(server, { now: () => clock, ...opts, replica: { evictAfterMs: EVICT_AFTER_MS, ...opts.replica, timers } });
  clients.push(client);
  const evicted: CellsEvicted[] = [];
  client.on('cells-evicted', (e) => evicted.push(e));
  const space = client.space('site', { origin: ORIGIN, precision: 7 });
  // The start pass has run once its next pass is scheduled.
  await until(() => timers.pending().length === 1, 'the start pass');
  return {
    client, server, space, timers, evicted,
    age: (ms) => void (clock += ms),
    async pass() {
      timers.advance(PASS_MS);
      await until(() => timers.pending().length === 1, 'an eviction pass');
    },
  };
}

/** Writes an anchor 2 km east of the origin: into a cell no region holds. */
async function anchorFarAway(h: Harness, km = 2) {
  const a = await h.space.anchors.create({ pose: pose(km * 1000), props: { label: `at ${km} km` } });
  await h.client.flush();
  return { anchor: a, doc: cellDocId('site', a.cell) };
}

/** The cell's entries as the replica has them now (opened offline, then closed again). */
async function storedEntries(client: CairnClient, doc: string, cell: string): Promise<string[]> {
  const ydoc = await client.open(doc);
  const ids = readCell(ydoc, cell).map((e) => e.id);
  await client.close(doc);
  return ids;
}

describe('cell eviction keeps the replica bounded', () => {
  it('evicts a cell doc not visited for evictAfterMs, reports its bytes, and keeps meta and app docs', async () => {
    const h = await harness();
    const { anchor, doc } = await anchorFarAway(h);
    const notes = await h.client.open('site/notes');
    notes.getMap('m').set('k', 1);
    await h.client.close('site/notes');
    await h.client.whenSynced();

    await h.pass();
    expect(h.evicted).toEqual([]); // visited a moment ago
    h.age(EVICT_AFTER_MS + 1);
    await h.pass();
    expect(h.evicted).toHaveLength(1);
    expect(h.evicted[0]!.docs).toEqual([doc]);
    expect(h.evicted[0]!.bytes).toBeGreaterThan(100);

    h.client.goOffline();
    expect(await storedEntries(h.client, doc, anchor.cell)).toEqual([]);
    expect((await h.client.open('site/notes')).getMap('m').toJSON()).toEqual({ k: 1 });
  });

  it('O2: never evicts a cell with an outbox row; once the row is acked it goes', async () => {
    const h = await harness();
    h.client.goOffline();
    const { anchor, doc } = await anchorFarAway(h);
    h.age(10 * EVICT_AFTER_MS);
    await h.pass();
    await h.pass();
    expect(h.evicted).toEqual([]);
    expect(await storedEntries(h.client, doc, anchor.cell)).toEqual([anchor.id]);

    h.client.goOnline();
    await h.client.whenSynced();
    h.age(EVICT_AFTER_MS + 1);
    await h.pass();
    expect(h.evicted.flatMap((e) => e.docs)).toEqual([doc]);
  });

  it('O7: never evicts a cell with a dead letter; once it is discarded the cell goes', async () => {
    const server = createFakeServer({ push: (p) => (p.doc.includes('/cell/') ? { reject: 'READ_ONLY' } : 'ack') });
    const h = await harness({}, server);
    const { anchor, doc } = await anchorFarAway(h);
    await until(async () => (await h.client.deadLetters.list()).length === 1, 'the push is dead-lettered');
    h.age(10 * EVICT_AFTER_MS);
    await h.pass();
    expect(h.evicted).toEqual([]);
    h.client.goOffline();
    expect(await storedEntries(h.client, doc, anchor.cell)).toEqual([anchor.id]);

    const [letter] = await h.client.deadLetters.list();
    expect(await h.client.deadLetters.discard(letter!.seq)).toBe(true);
    h.age(EVICT_AFTER_MS + 1);
    await h.pass();
    expect(h.evicted.flatMap((e) => e.docs)).toEqual([doc]);
  });

  it('X1: a cell a region holds is never evicted; one it left is, its anchors are out of the index, and a re-visit re-syncs it (O3)', async () => {
    const h = await harness();
    const far = await anchorFarAway(h);
    const region = await h.space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 }, { hysteresisMs: 0 });
    const near = await h.space.anchors.create({ pose: pose(1), props: { label: 'near' } });
    await h.client.whenSynced();
    const nearDoc = cellDocId('site', near.cell);

    h.age(10 * EVICT_AFTER_MS);
    await h.pass();
    expect(h.evicted.flatMap((e) => e.docs)).toEqual([far.doc]); // the held cell stays
    expect(h.space.anchors.get(near.id)).toBeDefined();

    // Walk 2 km east: the near cell is let go, the far one is visited again, from the server.
    await region.move({ lat: far.anchor.lat, lon: far.anchor.lon, radiusM: 30 });
    await until(() => h.space.anchors.get(far.anchor.id) !== undefined, 'the far anchor re-synced from the server');
    const subs = h.server.received('sub').filter((s) => s.doc === far.doc);
    expect([...subs.at(-1)!.stateVector]).toEqual([...Y.encodeStateVector(new Y.Doc())]);
    expect(h.space.anchors.get(far.anchor.id)?.props).toEqual({ label: 'at 2 km' });

    h.age(EVICT_AFTER_MS + 1);
    await h.pass();
    expect(h.evicted.flatMap((e) => e.docs)).toEqual([far.doc, nearDoc]);
    expect(h.space.anchors.get(near.id)).toBeUndefined(); // X1: it left the index when its cell closed
    expect(h.space.anchors.get(far.anchor.id)).toBeDefined();
    await region.close();
  });

  it('maxCells: beyond the bound the least recently visited cells go first, before they are old', async () => {
    const h = await harness({ replica: { evictAfterMs: EVICT_AFTER_MS, maxCells: 2 } });
    const docs: string[] = [];
    for (const km of [2, 4, 6, 8]) {
      docs.push((await anchorFarAway(h, km)).doc);
      h.age(1000);
    }
    await h.client.whenSynced();
    await h.pass();
    expect(h.evicted.flatMap((e) => e.docs).sort()).toEqual(docs.slice(0, 2).sort());
  });

  it('X1: a held cell is never evicted, not even to keep within maxCells', async () => {
    const h = await harness({ replica: { evictAfterMs: EVICT_AFTER_MS, maxCells: 1 } });
    const a = await anchorFarAway(h, 2);
    const b = await anchorFarAway(h, 4);
    await h.space.openCells([a.anchor.cell, b.anchor.cell]);
    await h.client.whenSynced();
    h.age(10 * EVICT_AFTER_MS);
    await h.pass();
    expect(h.evicted).toEqual([]);
    expect(h.space.anchors.get(a.anchor.id)).toBeDefined();
    expect(h.space.anchors.get(b.anchor.id)).toBeDefined();
  });

  it('rejects bad replica options with BAD_REQUEST', () => {
    const server = createFakeServer();
    expect(() => clientOn(server, { replica: { evictAfterMs: -1 } })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => clientOn(server, { replica: { maxCells: 1.5 } })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('the eviction pass also runs on a fresh start: an old unvisited cell stored earlier goes', async () => {
    const db = freshIndexedDB();
    const server = createFakeServer();
    const first = await harness(db, server);
    const { doc } = await anchorFarAway(first);
    await first.client.whenSynced();
    await first.client.destroy();

    const clock = 1_000_000 + 2 * EVICT_AFTER_MS;
    const timers = createManualTimers();
    const evicted: CellsEvicted[] = [];
    const again = clientOn(server, { ...db, now: () => clock, replica: { evictAfterMs: EVICT_AFTER_MS, timers } });
    clients.push(again);
    again.on('cells-evicted', (e) => evicted.push(e));
    await until(() => evicted.length === 1, 'the start pass evicts');
    expect(evicted[0]!.docs).toEqual([doc]);
  });
});
