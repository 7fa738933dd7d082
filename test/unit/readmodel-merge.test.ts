/**
 * The anchor read model, fed by real commits through a sync node on the memory Store, holds exactly what
 * mergeAnchorView says over the committed cell docs (X2, X3, X4), placed by the space's origin.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, cellDocId, createGeoFrame, metaDocId, newAnchorId, type MemoryNetwork } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { prng } from '../support/prng.js';
import { anchorReplica, expectedView, readModelView, type DocUpdate } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELLS = ['u09tvw0', 'u09tvw1', 'u09tvw2'];
const CELL_DOCS = CELLS.map((c) => cellDocId(SPACE, c));
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const NOW = Date.UTC(2030, 0, 1);

interface Writer {
  client: RawClient;
  seq: number;
}

async function writer(net: MemoryNetwork, clientId: string, token = 'writer'): Promise<Writer> {
  const client = await connectRaw(net.connect);
  client.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token });
  await client.next('welcome');
  return { client, seq: 0 };
}

/** Pushes the updates in order and waits for the ack of the last one. */
async function push(w: Writer, updates: readonly DocUpdate[]): Promise<void> {
  for (const u of updates) w.client.send({ type: 'push', doc: u.doc, seq: ++w.seq, update: u.update });
  const last = w.seq;
  await w.client.next('ack', (a) => a.seq === last);
}

async function setup() {
  const store = createMemoryStore();
  const { node, net } = memoryNode({ store });
  const w = await writer(net, 'writer-0001');
  return { store, node, net, w };
}

async function settled(node: { readModel: { idle(): Promise<void> } }, store: Store, now = NOW) {
  await node.readModel.idle();
  return { actual: await readModelView(store, 't1', SPACE, now), expected: await expectedView(store, 't1', SPACE, CELL_DOCS, now) };
}

describe('anchor read model = mergeAnchorView over the committed docs', () => {
  it('create: the anchor is in the read model with its pose, props and place on Earth', async () => {
    const { store, node, w } = await setup();
    const r = anchorReplica('r1');
    const id = newAnchorId();
    await push(w, [...r.meta(SPACE, { origin: ORIGIN }), ...r.create(SPACE, CELLS[0]!, id, [3, 1.5, -4], { props: { label: 'door', n: 2 } })]);
    const { actual, expected } = await settled(node, store);
    expect(actual).toEqual(expected);
    expect(actual).toHaveLength(1);
    expect(actual[0]!.anchor).toMatchObject({ id, cell: CELLS[0], props: { label: 'door', n: 2 }, pose: { p: [3, 1.5, -4] } });
    expect(actual[0]!.geo).toEqual(createGeoFrame(ORIGIN).toGeo([3, 1.5, -4]));
  });

  it('X2: a move within a cell replaces the pose whole', async () => {
    const { store, node, w } = await setup();
    const r = anchorReplica('r1');
    const id = newAnchorId();
    await push(w, r.create(SPACE, CELLS[0]!, id, [1, 0, 0]));
    await push(w, r.move(SPACE, id, CELLS[0]!, [5, 2, -7]));
    const { actual, expected } = await settled(node, store);
    expect(actual).toEqual(expected);
    expect(actual.map((a) => a.anchor.pose.p)).toEqual([[5, 2, -7]]);
    expect(actual[0]!.anchor.pose.q).toEqual([0, 0.6, 0, 0.8]);
  });

  it('X3: a move across a cell edge leaves one anchor, in the new cell', async () => {
    const { store, node, w } = await setup();
    const r = anchorReplica('r1');
    const id = newAnchorId();
    await push(w, r.create(SPACE, CELLS[0]!, id, [1, 0, 0], { props: { kept: true } }));
    await push(w, r.move(SPACE, id, CELLS[0]!, [40, 0, 0], CELLS[1]!));
    const { actual, expected } = await settled(node, store);
    expect(actual).toEqual(expected);
    expect(actual.map((a) => [a.anchor.id, a.anchor.cell, a.anchor.props])).toEqual([[id, CELLS[1], { kept: true }]]);
  });

  it('X2/X3: concurrent offline moves to two cells converge on the later clock, whole', async () => {
    const { store, node, net, w } = await setup();
    const w2 = await writer(net, 'writer-0002');
    let t = 1000;
    const r1 = anchorReplica('r1', () => t);
    const r2 = anchorReplica('r2', () => t);
    const id = newAnchorId();
    const created = r1.create(SPACE, CELLS[0]!, id, [0, 0, 0]);
    created.forEach((u) => r2.receive(u));
    await push(w, created);
    t = 2000;
    const moveA = r1.move(SPACE, id, CELLS[0]!, [10, 1, 1], CELLS[1]!);
    t = 3000;
    const moveB = r2.move(SPACE, id, CELLS[0]!, [-20, 2, 2], CELLS[2]!);
    // The later move arrives first: order of arrival must not matter.
    await push(w2, moveB);
    await push(w, moveA);
    const { actual, expected } = await settled(node, store);
    expect(actual).toEqual(expected);
    expect(actual.map((a) => [a.anchor.cell, a.anchor.pose.p])).toEqual([[CELLS[2], [-20, 2, 2]]]);
  });

  it('delete: a deleted anchor leaves the read model, and a later move does not bring it back', async () => {
    const { store, node, net, w } = await setup();
    const w2 = await writer(net, 'writer-0002');
    const r1 = anchorReplica('r1');
    const r2 = anchorReplica('r2');
    const [gone, kept] = [newAnchorId(), newAnchorId()];
    const created = [...r1.create(SPACE, CELLS[0]!, gone, [1, 0, 0]), ...r1.create(SPACE, CELLS[0]!, kept, [2, 0, 0])];
    created.forEach((u) => r2.receive(u));
    await push(w, created);
    await push(w, r1.remove(SPACE, CELLS[0]!, gone));
    await push(w2, r2.move(SPACE, gone, CELLS[0]!, [9, 9, 9], CELLS[1]!)); // offline, it had not seen the delete
    const { actual, expected } = await settled(node, store);
    expect(actual).toEqual(expected);
    expect(actual.map((a) => a.anchor.id)).toEqual([kept]);
  });

  it('X4: expiry is judged by the query clock: visible before expiresAt, gone from then on', async () => {
    const { store, node, w } = await setup();
    const r = anchorReplica('r1');
    const [soon, later] = [newAnchorId(), newAnchorId()];
    await push(w, [...r.create(SPACE, CELLS[0]!, soon, [1, 0, 0], { expiresAt: NOW + 1000 }), ...r.create(SPACE, CELLS[1]!, later, [2, 0, 0])]);
    await push(w, r.ttl(SPACE, CELLS[1]!, later, NOW + 5000));
    for (const [now, ids] of [[NOW, [soon, later]], [NOW + 999, [soon, later]], [NOW + 1000, [later]], [NOW + 5000, []]] as const) {
      const { actual, expected } = await settled(node, store, now);
      expect(actual).toEqual(expected);
      expect(actual.map((a) => a.anchor.id).sort()).toEqual([...ids].sort());
    }
    expect((await readModelView(store, 't1', SPACE, NOW)).find((a) => a.anchor.id === later)?.anchor.expiresAt).toBe(NOW + 5000);
  });

  const SEED = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
  it(`X2/X3/X4: random offline edits of three replicas, pushed in random order (SEED=${SEED})`, () => randomOfflineEdits(SEED));

  // r2 pipelines nine pushes. In one cell doc: a move's arrival (it waits for r2's push before it, still
  // committing), then a remove of an anchor already gone (no struct, only the delete set: it applies at
  // once and commits first), then an edit building on the arrival. That edit waited only for the push just
  // before it, resynced without the arrival and was refused as referencing items never committed.
  // update-waiting-refs.test.ts has the same race with two tabs' honest pushes.
  it('C4: a pipelined push that waits is stored after every earlier push of its doc (SEED=1451820405)', () => randomOfflineEdits(1451820405));
});

async function randomOfflineEdits(seed: number): Promise<void> {
  const rand = prng(seed);
  const { store, node, net } = await setup();
  let t = 1_000_000;
  const clock = () => t;
  const replicas = await Promise.all(['r0', 'r1', 'r2'].map(async (name, i) => ({
    r: anchorReplica(name, clock), w: await writer(net, `random-000${i}`), queue: [] as DocUpdate[], log: [] as DocUpdate[],
  })));
  const ids = Array.from({ length: 6 }, () => newAnchorId());
  const where = new Map<string, string>(); // id → the cell the creating replica put it in (edits follow it)
  for (let step = 0; step < 150; step++) {
    t += 1 + rand.int(3);
    const me = rand.pick(replicas);
    const id = rand.pick(ids);
    const cell = where.get(id);
    const roll = rand.next();
    let out: DocUpdate[] = [];
    if (cell === undefined) {
      const c = rand.pick(CELLS);
      where.set(id, c);
      out = me.r.create(SPACE, c, id, [rand.int(100), 0, -rand.int(100)], { props: { step } });
    } else if (roll < 0.45) {
      const to = rand.pick(CELLS);
      out = me.r.move(SPACE, id, cell, [rand.int(100), rand.int(3), -rand.int(100)], to);
      where.set(id, to);
    } else if (roll < 0.55) out = me.r.props(SPACE, cell, id, { step, [`k${rand.int(3)}`]: rand.int(10) });
    else if (roll < 0.62) out = me.r.ttl(SPACE, cell, id, rand.chance(0.5) ? NOW + rand.int(2000) - 1000 : null);
    else if (roll < 0.66) out = me.r.remove(SPACE, cell, id);
    else if (roll < 0.7) out = me.r.meta(SPACE, { origin: rand.chance(0.8) ? { lat: 48 + rand.next(), lon: 2 + rand.next(), alt: rand.int(50) } : null });
    else if (roll < 0.85) {
      // Sync: this replica receives everything the others pushed so far. Replicas learn of each other's
      // edits only through the server (a star, as Cairn clients do): an edit never depends on an update the
      // server has not committed, which the server refuses as one that would wait forever (C4).
      for (const other of replicas) if (other !== me) other.log.forEach((u) => me.r.receive(u));
    } else if (me.queue.length > 0) {
      const sent = me.queue.splice(0);
      await push(me.w, sent);
      me.log.push(...sent);
    }
    me.queue.push(...out);
    if (rand.chance(0.1)) {
      const { actual, expected } = await settled(node, store, NOW);
      expect(actual).toEqual(expected);
    }
  }
  for (const x of replicas) if (x.queue.length > 0) await push(x.w, x.queue.splice(0));
  for (const now of [NOW - 2000, NOW, NOW + 2000]) {
    const { actual, expected } = await settled(node, store, now);
    expect(actual).toEqual(expected);
  }
  expect(await store.anchors.appliedVersion('t1', metaDocId(SPACE))).toBe(await store.headVersion('t1', metaDocId(SPACE)));
}
