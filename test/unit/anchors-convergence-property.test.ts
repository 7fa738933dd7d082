/**
 * X1-X5 under random concurrent edits: real clients (memory replicas) on real sync nodes (memory Store,
 * memory Bus) with every socket and bus delivery scheduled by a seeded world, so replicas edit offline
 * and online, see each other's updates in arbitrary partial orders, and run on clocks of their own.
 *
 *   X1  after every step, every replica's index equals mergeAnchorView recomputed from its cell docs
 *   X2  every visible pose is one some replica wrote, whole; after sync, the one with the greatest HLC
 *   X3  no id twice in any index, whatever its queries
 *   X4  expiry by each replica's own clock, offline too (the recomputation uses that clock)
 *   X5  after every step, each anchor's props are, per key, the greatest-hlc write in any cell the replica
 *       holds (read straight off the keys); after sync, each props key shows the write (set or delete) with
 *       the greatest hlc any replica made, wherever it landed:
 *       an edit made in a cell the anchor had concurrently left is kept; the server's read model holds the
 *       very anchors the replicas show, props included; and a watcher replica holding ONE cell shows each
 *       anchor that ends in it exactly as the replicas holding every cell do (its writer forwarded the edit)
 *
 * fast-check with a printed seed; `SEED=n` reproduces a run, `ANCHOR_RUNS=k` changes the run count.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { cellDocId, cellOf, createGeoFrame, createSpaceFrame, isCairnError, mergeAnchorView, readCell, type Anchor, type Pose, type Vec3 } from '@cairn/shared';
import { createCairnClient, type CairnClient, type Space, type SpaceAnchor } from '@cairn/client';
import { createMemoryBusHub, createMemoryStore, createSyncNode, type SyncNode } from '@cairn/server';
import { createMemoryNetwork } from '@cairn/shared';
import { testVerify } from '../support/memory-node.js';
import { prng } from '../support/prng.js';
import { readModelView } from '../support/readmodel-writer.js';
import { positiveZeros } from '../../packages/server/src/readmodel/anchor-row.js';
import { createWorld, settle, type World } from '../sim/world.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.ANCHOR_RUNS ?? 60);
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const frame = createGeoFrame(ORIGIN);
const BASE = 1_700_000_000_000;
// Spots 130 m apart east-west and 5 m apart north-south: several cells, and moves within and across them.
const SPOTS: Vec3[] = [-130, 0, 130].flatMap((x) => [[x, 0, 0] as Vec3, [x + 4, 1, -5] as Vec3]);
const CELLS = [...new Set(SPOTS.map((p) => frame.toGeo(p)).map((g) => cellOf(g.lat, g.lon, 7)))].sort();
const REPLICAS = 3;
/** What the runs exercised, printed with ANCHOR_VERBOSE=1 (a property that tests nothing passes too). */
const stats = { creates: 0, moves: 0, crossCell: 0, deletes: 0, updates: 0, ttls: 0, skipped: 0, hiddenByClock: 0, visibleAtEnd: 0, editsInLeftCell: 0 };

type Op =
  | { kind: 'create'; r: number; spot: number; ttl: number | null }
  | { kind: 'move'; r: number; pick: number; spot: number; turn: number }
  | { kind: 'delete'; r: number; pick: number }
  | { kind: 'update'; r: number; pick: number; key: string; value: number | null }
  | { kind: 'ttl'; r: number; pick: number; ttl: number | null }
  | { kind: 'offline' | 'online'; r: number }
  | { kind: 'deliver'; n: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'sync' };

const r = fc.nat(REPLICAS - 1);
const pick = fc.nat(20);
const ttl = fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null, freq: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), r, spot: fc.nat(SPOTS.length - 1), ttl }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('move' as const), r, pick, spot: fc.nat(SPOTS.length - 1), turn: fc.integer({ min: -3, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), r, pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('update' as const), r, pick, key: fc.constantFrom('a', 'b'), value: fc.option(fc.nat(9), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ttl' as const), r, pick, ttl }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('offline' as const, 'online' as const), r }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), n: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 8_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sync' as const }) },
);

interface Replica {
  client: CairnClient;
  space: Space;
  docs: Map<string, Y.Doc>;
  now: () => number;
}

/** Every pose any replica wrote, by anchor id and HLC (X2). */
type Written = Map<string, Map<string, Pose>>;

/** Per anchor id and props key, the write with the greatest hlc any replica made (X5); undefined deletes. */
type PropsWritten = Map<string, Map<string, { hlc: string; value: unknown }>>;

/** The hlc of the newest write of a props key in a cell doc (the `propsAt` layout, `<id>|<key>|<hlc>`). */
function propClock(doc: Y.Doc, id: string, key: string): string {
  const prefix = `${id}|${key}|`;
  let max = '';
  for (const k of doc.getMap('propsAt').keys()) if (k.startsWith(prefix) && k.slice(prefix.length) > max) max = k.slice(prefix.length);
  return max;
}

/** The merged view of the replica's docs, shown in the space frame (every pose here is authored in it: X6 is identity). */
function recomputed(rep: Replica, now: number): Map<string, Anchor> {
  const view = mergeAnchorView('s', [...rep.docs].flatMap(([c, doc]) => readCell(doc, c)), now);
  const shown = createSpaceFrame(ORIGIN);
  return new Map([...view].map(([id, a]) => [id, shown.anchor(a)]));
}

function strip(a: SpaceAnchor | Anchor): Anchor {
  const { id, space, pose, cell, props, createdBy, createdAt, expiresAt, deleted, platformRefs } = a;
  return { id, space, pose, cell, props, createdBy, createdAt, ...(expiresAt !== undefined ? { expiresAt } : {}), ...(deleted ? { deleted } : {}), ...(platformRefs ? { platformRefs } : {}) };
}

/** The props of an id read straight off the layout: per key, the greatest-hlc write in any held cell (X5). */
function propsOracle(rep: Replica, id: string): Record<string, unknown> {
  const best = new Map<string, { hlc: string; value: unknown }>();
  for (const doc of rep.docs.values()) {
    for (const [k, value] of doc.getMap('propsAt')) {
      if (!k.startsWith(`${id}|`)) continue;
      const key = k.slice(id.length + 1, k.lastIndexOf('|'));
      const hlc = k.slice(k.lastIndexOf('|') + 1);
      if ((best.get(key)?.hlc ?? '') <= hlc) best.set(key, { hlc, value });
    }
  }
  return Object.fromEntries([...best].filter(([, w]) => w.value !== null).map(([key, w]) => [key, (w.value as { v: unknown }).v]));
}

function checkReplica(rep: Replica, i: number, written: Written, step: string): void {
  const now = rep.now();
  const expected = recomputed(rep, now);
  stats.hiddenByClock += recomputed(rep, 0).size - expected.size;
  const shown = rep.space.anchors.all();
  const ids = shown.map((a) => a.id);
  // X3: once per id, in the index and in every query.
  expect(new Set(ids).size, `${step}: replica ${i} shows an id twice`).toBe(ids.length);
  const wide = rep.space.anchors.within([0, 0, 0], 10_000).map((a) => a.id);
  expect(new Set(wide).size, `${step}: replica ${i} within() repeats an id`).toBe(wide.length);
  expect(wide.sort(), `${step}: replica ${i} within() vs all()`).toEqual([...ids].sort());
  // X1 + X4: the index is the merged view of the docs at this replica's own time.
  expect(Object.fromEntries(shown.map((a) => [a.id, strip(a)])), `${step}: replica ${i} index vs docs at t=${now}`).toEqual(Object.fromEntries(expected));
  for (const a of shown) {
    expect(a.expiresAt === undefined || a.expiresAt > now, `${step}: replica ${i} shows expired ${a.id}`).toBe(true);
    // X2: a pose some replica wrote, whole.
    const pose = written.get(a.id)?.get(a.pose.hlc);
    expect(pose, `${step}: replica ${i} pose of ${a.id} at ${a.pose.hlc} was never written`).toBeDefined();
    expect({ p: a.pose.p, q: a.pose.q }, `${step}: replica ${i} franken-pose of ${a.id}`).toEqual(pose);
    // X5: each key's latest write in ANY cell this replica holds, not only the anchor's own cell.
    expect(a.props, `${step}: replica ${i} props of ${a.id}`).toEqual(propsOracle(rep, a.id));
  }
}

async function deliver(world: World, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (!world.deliverSocket() && world.deliverBus({ drop: 0, dup: 0 }) === 'none') break;
    await settle(2);
  }
}

async function syncAll(world: World, reps: Replica[]): Promise<void> {
  for (const rep of reps) rep.client.goOnline();
  for (let i = 0; i < 5_000; i++) {
    const moved = world.deliverSocket() || world.deliverBus({ drop: 0, dup: 0 }) === 'delivered';
    await settle(2);
    if (moved) continue;
    const svs = CELLS.map((c) => reps.filter((rep) => rep.docs.has(c)).map((rep) => Buffer.from(Y.encodeStateVector(rep.docs.get(c)!)).toString('hex')));
    if (reps.every((rep) => rep.client.status.state === 'synced' && rep.client.status.pending === 0) && svs.every((s) => new Set(s).size <= 1)) return;
    world.advance(100);
  }
  throw new Error('replicas did not converge');
}

async function run(ops: Op[], worldSeed: number): Promise<void> {
  const world = createWorld(prng(worldSeed));
  const store = createMemoryStore();
  const hub = createMemoryBusHub({ deliver: world.busDeliver, onError: () => undefined });
  const nodes: { node: SyncNode; net: ReturnType<typeof createMemoryNetwork> }[] = [0, 1].map((n) => {
    const node = createSyncNode({ store, bus: hub.connect(), verify: testVerify, nodeId: `n${n}` });
    return { node, net: createMemoryNetwork(node.acceptNative, world.socketDeliver(`n${n}`)) };
  });
  const reps: Replica[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const skew = (i - 1) * 1500; // each replica's own clock (X4)
    const now = () => BASE + skew + world.now();
    const client = createCairnClient({
      url: 'mem://anchors',
      token: 'writer',
      persistence: 'memory',
      socket: (url) => nodes[i % 2]!.net.connect(url),
      broadcastChannel: null,
      networkEvents: null,
      timers: world.timers,
      now,
      random: world.rng.next,
      heartbeatMs: 1e9,
    });
    const space = client.space('s', { origin: ORIGIN, precision: 7 });
    reps.push({ client, space, docs: new Map(), now });
  }
  // Holds one cell only, and edits nothing.
  const watcherClient = createCairnClient({
    url: 'mem://anchors', token: 'writer', persistence: 'memory', socket: (url) => nodes[0]!.net.connect(url), broadcastChannel: null,
    networkEvents: null, timers: world.timers, now: () => BASE + world.now(), random: world.rng.next, heartbeatMs: 1e9,
  });
  const watcher: Replica = { client: watcherClient, space: watcherClient.space('s', { origin: ORIGIN, precision: 7 }), docs: new Map(), now: () => BASE + world.now() };
  const everyone = [...reps, watcher];
  const written: Written = new Map();
  const propsWritten: PropsWritten = new Map();
  const wroteProp = (id: string, key: string, hlc: string, value: unknown) => {
    let m = propsWritten.get(id);
    if (!m) propsWritten.set(id, (m = new Map()));
    if (!hlc) throw new Error(`a props write of ${id}.${key} left no clock in its cell doc`);
    if ((m.get(key)?.hlc ?? '') < hlc) m.set(key, { hlc, value });
  };
  const wrote = (a: SpaceAnchor) => {
    let m = written.get(a.id);
    if (!m) written.set(a.id, (m = new Map()));
    m.set(a.pose.hlc, { p: a.pose.p, q: a.pose.q });
  };
  try {
    await syncAll(world, everyone); // meta docs written once synced
    for (const rep of reps) {
      await rep.space.openCells(CELLS);
      for (const c of CELLS) rep.docs.set(c, await rep.client.open(cellDocId('s', c)));
    }
    await watcher.space.openCells([CELLS[1]!]);
    watcher.docs.set(CELLS[1]!, await watcher.client.open(cellDocId('s', CELLS[1]!)));
    await syncAll(world, everyone);
    for (const [n, o] of ops.entries()) {
      const step = `step ${n} ${JSON.stringify(o)}`;
      const rep = 'r' in o ? reps[o.r]! : undefined;
      const target = rep && 'pick' in o ? rep.space.anchors.all().sort((a, b) => (a.id < b.id ? -1 : 1))[o.pick % Math.max(1, rep.space.anchors.all().length)] : undefined;
      try {
        switch (o.kind) {
          case 'create': {
            const created = await rep!.space.anchors.create({ pose: { p: SPOTS[o.spot]!, q: [0, 0, 0, 1] }, props: { by: o.r }, ttlMs: o.ttl });
            wrote(created);
            wroteProp(created.id, 'by', created.pose.hlc, o.r);
            stats.creates++;
            break;
          }
          case 'move':
            if (target) {
              const moved = await rep!.space.anchors.move(target.id, { p: SPOTS[o.spot]!, q: [0, Math.sin(o.turn / 2), 0, Math.cos(o.turn / 2)] });
              wrote(moved);
              stats.moves++;
              if (moved.cell !== target.cell) stats.crossCell++;
            }
            break;
          case 'delete':
            if (target) await rep!.space.anchors.delete(target.id);
            if (target) stats.deletes++;
            break;
          case 'update':
            if (target) {
              const updated = await rep!.space.anchors.update(target.id, { [o.key]: o.value ?? undefined });
              // This replica's clock is ahead of every key it holds: its write is the newest of the key there.
              wroteProp(target.id, o.key, propClock(rep!.docs.get(updated.cell)!, target.id, o.key), o.value ?? undefined);
              stats.updates++;
              // X5's case: another replica already moved the anchor out of the cell this edit landed in.
              if (reps.some((other) => { const a = other.space.anchors.get(target.id); return a !== undefined && a.cell !== updated.cell && a.pose.hlc > updated.pose.hlc; })) stats.editsInLeftCell++;
            }
            break;
          case 'ttl':
            if (target) await rep!.space.anchors.extendTtl(target.id, o.ttl);
            if (target) stats.ttls++;
            break;
          case 'offline':
            rep!.client.goOffline();
            break;
          case 'online':
            rep!.client.goOnline();
            break;
          case 'deliver':
            await deliver(world, o.n);
            break;
          case 'tick':
            world.advance(o.ms);
            break;
          case 'sync':
            await syncAll(world, reps);
            break;
        }
      } catch (err) {
        // An anchor that vanished (a remote delete or expiry) between picking it and writing is fine.
        if (!(isCairnError(err) && err.code === 'BAD_REQUEST' && /no anchor/.test(err.message))) throw err;
        stats.skipped++;
      }
      await settle(2);
      everyone.forEach((rp, i) => checkReplica(rp, i, written, step));
    }
    await syncAll(world, everyone);
    everyone.forEach((rp, i) => checkReplica(rp, i, written, 'after sync'));
    // Converged: the same merged view everywhere, and each pose the latest one written for its id (X2).
    const views = reps.map((rep) => Object.fromEntries(recomputed(rep, 0)));
    for (const v of views.slice(1)) expect(v, 'replicas disagree after sync').toEqual(views[0]);
    stats.visibleAtEnd += Object.keys(views[0]!).length;
    for (const a of Object.values(views[0]!)) {
      const hlcs = [...written.get(a.id)!.keys()].sort();
      expect(a.pose.hlc, `X2: ${a.id} does not show its latest pose`).toBe(hlcs.at(-1));
      // X5: every key shows its latest write, whichever cell it landed in.
      for (const [key, w] of propsWritten.get(a.id) ?? []) {
        expect(a.props[key], `X5: ${a.id}.${key} does not show its latest write (${w.hlc})`).toEqual(w.value);
        expect(key in a.props, `X5: ${a.id}.${key} deleted at ${w.hlc} is shown`).toBe(w.value !== undefined);
      }
    }
    // The read model (both nodes' commits, one memory Store) holds what every replica shows.
    await Promise.all(nodes.map(({ node }) => node.readModel.idle()));
    const rows = await readModelView(store, 't1', 's', 0);
    expect(Object.fromEntries(rows.map((row) => [row.anchor.id, row.anchor])), 'read model vs replicas').toEqual(positiveZeros(views[0]));
    for (const a of recomputed(watcher, 0).values()) {
      if (views[0]![a.id]?.cell === a.cell) expect(a, `X5: the one-cell watcher shows ${a.id} otherwise`).toEqual(views[0]![a.id]);
    }
  } finally {
    for (const rep of everyone) await rep.client.destroy();
    for (const { node } of nodes) await node.shutdown();
  }
}

describe(`anchors converge under concurrent offline edits (SEED=${SEED})`, () => {
  it('X1/X2/X3/X4/X5: index = merged docs after every step on every replica; one whole latest pose; ids once; own-clock expiry; latest props write kept across cells, read model agrees', async () => {
    console.log(`anchors-convergence-property: SEED=${SEED} (reproduce with SEED=${SEED})`);
    expect(CELLS.length).toBeGreaterThanOrEqual(3);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 60 }), fc.nat(), (ops, worldSeed) => run(ops, worldSeed)),
      { seed: SEED, numRuns: RUNS },
    );
    if (process.env.ANCHOR_VERBOSE) console.log(stats);
    expect(stats.crossCell).toBeGreaterThan(0);
    expect(stats.editsInLeftCell, 'no run had a props edit land in a cell its anchor had left').toBeGreaterThan(0);
  }, 120_000);
});
