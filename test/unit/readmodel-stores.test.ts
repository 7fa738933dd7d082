/**
 * The read model on every Store (memory, PGlite, Postgres): the same commits give the same merged view
 * (= mergeAnchorView) and the same answers to every query kind, antimeridian included; apply outcomes
 * keep a doc's progress moving forward only; on Postgres, two nodes re-merging one id from two cells at
 * once (a move across a cell edge) still end with the merged result. X6: rows of poses stamped with their
 * authoring origin are shown in the space's origin, and follow it when it changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE, OWNER_ROLE, prepareRoles, urlAs } from '../support/pg-roles.js';
import {
  cellDocId, circleRects, createGeoFrame, createSpaceFrame, distanceM, geodeticToEcef, newAnchorId, splitAntimeridian, vec3Distance,
  type CellEntry, type GeoBox, type GeoPoint,
} from '@cairn/shared';
import {
  createMemoryStore, createPgStore, createPgliteStore, createReadModelUpdater, type AnchorQuery, type AnchorRecord, type Store,
} from '@cairn/server';
import { prng } from '../support/prng.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { anchorReplica, expectedView, readModelView, type DocUpdate } from '../support/readmodel-writer.js';

const SEED = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
const SPACE = 'dateline';
const CELLS = ['zzzzzzz', 'bpbpbpb', '8000000'];
const CELL_DOCS = CELLS.map((c) => cellDocId(SPACE, c));
// ~55 m west of the antimeridian on the equator: anchors a few hundred meters east are at lon ≈ -179.99.
const ORIGIN = { lat: 0.0005, lon: 179.9995, alt: 0 };
const NOW = Date.UTC(2030, 0, 1);

let tenantCount = 0;
const freshTenant = () => `rm-${process.pid}-${tenantCount++}`;

/** Commits the updates (one client per tenant) and tells the updater, as the commit path does. */
function committer(store: Store, updater: ReturnType<typeof createReadModelUpdater>, tenant: string, clientId = 'writer-0001') {
  let seq = 0;
  return async (updates: readonly DocUpdate[]) => {
    const outcomes = await store.commitBatch(updates.map((u) => ({ tenant, doc: u.doc, clientId, seq: seq++, actor: 'w', update: u.update })));
    outcomes.forEach((o, i) => updater.committed(tenant, updates[i]!.doc, o.version));
  };
}

/** The answer a query must give, straight from the expected view. */
function oracle(view: readonly AnchorRecord[], q: AnchorQuery, limit: number): AnchorRecord[] {
  const inRects = (r: AnchorRecord, rects: readonly { minLat: number; minLon: number; maxLat: number; maxLon: number }[]) =>
    r.geo !== null && rects.some((b) => r.geo!.lat >= b.minLat && r.geo!.lat <= b.maxLat && r.geo!.lon >= b.minLon && r.geo!.lon <= b.maxLon);
  if (q.kind === 'cell') return view.filter((r) => r.anchor.cell.startsWith(q.prefix)).slice(0, limit);
  if (q.kind === 'rects') return view.filter((r) => inRects(r, q.rects)).slice(0, limit);
  return view
    .filter((r) => inRects(r, q.rects) && distanceM(q.center, r.geo!) <= q.radiusM)
    .sort((a, b) => distanceM(q.center, a.geo!) - distanceM(q.center, b.geo!) || (a.anchor.id < b.anchor.id ? -1 : 1))
    .slice(0, limit);
}

function entry(id: string, cell: string, hlc: string, p: [number, number, number]): CellEntry {
  return { id, cell, pose: { p, q: [0, 0, 0, 1], hlc }, movedTo: null, expiresAt: null, props: {}, created: { by: 'a', at: 'b' }, deleted: null, platformRefs: [] };
}

function describeReadModelStore(name: string, open: () => Promise<Store>): void {
  describe(`read model on the ${name} store (SEED=${SEED})`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('C2: progress only moves forward: an old version is stale, an incremental change above the progress is behind', async () => {
      const t = freshTenant();
      const doc = CELL_DOCS[0]!;
      const change = (version: number, since: number | null, entries: CellEntry[]) =>
        ({ tenant: t, doc, space: SPACE, cell: CELLS[0]!, version, since, entries, removed: [] });
      const id = newAnchorId();
      expect(await store.anchors.applyCell(change(2, 0, [entry(id, CELLS[0]!, '000000000002-000000-a', [2, 0, 0])]))).toEqual({ kind: 'applied' });
      expect(await store.anchors.applyCell(change(1, 0, [entry(id, CELLS[0]!, '000000000001-000000-a', [1, 0, 0])]))).toEqual({ kind: 'stale', applied: 2 });
      expect(await store.anchors.applyCell(change(4, 3, []))).toEqual({ kind: 'behind', applied: 2 });
      expect(await store.anchors.appliedVersion(t, doc)).toBe(2);
      expect((await readModelView(store, t, SPACE, NOW)).map((r) => r.anchor.pose.p)).toEqual([[2, 0, 0]]);
      // A full recompute (since null) removes the cell's entries it does not list.
      expect(await store.anchors.applyCell(change(4, null, []))).toEqual({ kind: 'applied' });
      expect(await readModelView(store, t, SPACE, NOW)).toEqual([]);
      expect(await store.anchors.applyMeta({ tenant: t, doc: `${SPACE}/meta`, space: SPACE, version: 1, meta: { origin: ORIGIN, precision: 7 } })).toEqual({ kind: 'applied' });
      expect(await store.anchors.applyMeta({ tenant: t, doc: `${SPACE}/meta`, space: SPACE, version: 1, meta: { origin: null, precision: 7 } })).toEqual({ kind: 'stale', applied: 1 });
    });

    it('random edits across the antimeridian: the view is mergeAnchorView, and bbox, near, cell and limit answer like the oracle', async () => {
      const rand = prng(SEED);
      const t = freshTenant();
      const updater = createReadModelUpdater({ store, maxDocs: 2 }); // a small cache: full and incremental passes both run
      const commit = committer(store, updater, t);
      let clock = 1_000;
      const r = anchorReplica('r1', () => clock);
      await commit(r.meta(SPACE, { origin: ORIGIN }));
      const where = new Map<string, string>();
      for (let i = 0; i < 40; i++) {
        const id = newAnchorId();
        const cell = rand.pick(CELLS);
        where.set(id, cell);
        const p: [number, number, number] = [rand.int(800) - 300, rand.int(5), -(rand.int(400) - 200)];
        await commit(r.create(SPACE, cell, id, p, { props: { i, tag: rand.pick(['a', 'b']) }, ...(rand.chance(0.3) ? { expiresAt: NOW + rand.int(2000) - 1000 } : {}) }));
      }
      // One anchor each side of the antimeridian (the origin is ~55 m west of it) that no random step edits
      // (not in `where`), so the 200 m circle around lon 180 below spans both signs whatever the seed left.
      for (const x of [-100, 100]) await commit(r.create(SPACE, CELLS[0]!, newAnchorId(), [x, 0, 0], { props: { pinned: x } }));
      for (let step = 0; step < 60; step++) {
        clock += 1;
        const id = rand.pick([...where.keys()]);
        const from = where.get(id)!;
        const roll = rand.next();
        if (roll < 0.6) {
          const to = rand.pick(CELLS);
          where.set(id, to);
          await commit(r.move(SPACE, id, from, [rand.int(800) - 300, 0, -(rand.int(400) - 200)], to));
        } else if (roll < 0.75) await commit(r.props(SPACE, from, id, { step }));
        else if (roll < 0.9) await commit(r.ttl(SPACE, from, id, rand.chance(0.5) ? NOW + rand.int(2000) - 1000 : null));
        else await commit(r.remove(SPACE, from, id));
      }
      await updater.idle();
      const view = await expectedView(store, t, SPACE, CELL_DOCS, NOW);
      expect(await readModelView(store, t, SPACE, NOW)).toEqual(view);
      expect(view.length).toBeGreaterThan(5);
      const crossing: GeoBox = { minLat: -0.01, minLon: 179.999, maxLat: 0.01, maxLon: -179.998 };
      const queries: AnchorQuery[] = [
        { kind: 'rects', rects: splitAntimeridian(crossing) },
        { kind: 'rects', rects: splitAntimeridian({ minLat: -0.01, minLon: -179.9999, maxLat: 0.01, maxLon: -179.99 }) },
        { kind: 'near', center: { lat: 0, lon: 180 }, radiusM: 200, rects: circleRects({ lat: 0, lon: 180, radiusM: 200 }) },
        { kind: 'near', center: { lat: 0.0005, lon: -179.999 }, radiusM: 1000, rects: circleRects({ lat: 0.0005, lon: -179.999, radiusM: 1000 }) },
        { kind: 'cell', prefix: 'zz' },
        { kind: 'cell', prefix: CELLS[1]! },
      ];
      for (const q of queries) {
        for (const limit of [3, 10_000]) {
          const got = await store.anchors.query(t, SPACE, q, { now: NOW, limit });
          expect(got).toEqual(oracle(view, q, limit));
        }
      }
      const near = oracle(view, queries[2]!, 10_000);
      expect(near.length).toBeGreaterThan(1);
      expect(new Set(near.map((x) => Math.sign(x.geo!.lon))).size).toBe(2); // the circle really spans the antimeridian
      await updater.close();
    });

    it('X6: a pose stamped with another origin is shown in the space origin, placed where it was authored, and follows origin changes', async () => {
      const t = freshTenant();
      const cell = CELLS[0]!;
      // ~1.1 km east across the antimeridian and a little up: the other device's origin.
      const OTHER: GeoPoint = createGeoFrame(ORIGIN).toGeo([900, 5, -700]);
      const stamped = (id: string, frame: GeoPoint | undefined, p: [number, number, number]): CellEntry => {
        const e = entry(id, cell, '000000000001-000000-a', p);
        return { ...e, pose: { ...e.pose!, q: [0, 0.3826834323650898, 0, 0.9238795325112867], ...(frame ? { frame } : {}) } };
      };
      const entries = [stamped(newAnchorId(), OTHER, [10, 1, -20]), stamped(newAnchorId(), undefined, [-30, 0, 40]), stamped(newAnchorId(), ORIGIN, [5, 2, 5])];
      const meta = (version: number, origin: GeoPoint | null) => store.anchors.applyMeta({ tenant: t, doc: `${SPACE}/meta`, space: SPACE, version, meta: { origin, precision: 7 } });
      const check = async (origin: GeoPoint | null) => {
        const shown = createSpaceFrame(origin);
        const byId = new Map((await readModelView(store, t, SPACE, NOW)).map((r) => [r.anchor.id, r]));
        for (const e of entries) {
          const row = byId.get(e.id)!;
          expect(row.anchor.pose, `pose of ${e.id} in ${JSON.stringify(origin)}`).toEqual(shown.pose(e.pose!));
          if (!origin) {
            expect(row.geo).toBeNull();
            continue;
          }
          // Stamped: where its author put it; unstamped: where the current origin puts it.
          const placedAt = geodeticToEcef(createGeoFrame(e.pose!.frame ?? origin).toGeo(e.pose!.p));
          expect(vec3Distance(geodeticToEcef(row.geo!), placedAt)).toBeLessThan(1e-3);
        }
      };
      expect(await store.anchors.applyCell({ tenant: t, doc: cellDocId(SPACE, cell), space: SPACE, cell, version: 1, since: null, entries, removed: [] })).toEqual({ kind: 'applied' });
      await check(null);
      expect(await meta(1, ORIGIN)).toEqual({ kind: 'applied' });
      await check(ORIGIN);
      expect(await meta(2, OTHER)).toEqual({ kind: 'applied' });
      await check(OTHER);
      expect(await meta(3, null)).toEqual({ kind: 'applied' });
      await check(null);
      // A cell change applied while the space has an origin is shown in it at once.
      expect(await meta(4, ORIGIN)).toEqual({ kind: 'applied' });
      const late = stamped(newAnchorId(), OTHER, [-7, 0, -7]);
      entries.push(late);
      expect(await store.anchors.applyCell({ tenant: t, doc: cellDocId(SPACE, cell), space: SPACE, cell, version: 2, since: 1, entries: [late], removed: [] })).toEqual({ kind: 'applied' });
      await check(ORIGIN);
    });

    it('values Postgres cannot hold as such (NUL, lone surrogates, NaN) are stored the same way on every store', async () => {
      const t = freshTenant();
      const updater = createReadModelUpdater({ store });
      const commit = committer(store, updater, t);
      const r = anchorReplica('r1');
      const id = newAnchorId();
      const props = { text: 'a\u0000b', half: 'x\ud83dy', emoji: '😀', nan: NaN, inf: Infinity, tiny: 5e-324, big: 2 ** 60, deep: { list: [1, 'two', null, { three: 3.1 }] } };
      await commit(r.create(SPACE, CELLS[0]!, id, [0.1, 0.2, 0.30000000000000004], { props, expiresAt: NOW + 0.5 }));
      await commit(r.create(SPACE, CELLS[0]!, 'bad\u0000id', [0, 0, 0]));
      await updater.idle();
      const [got, ...rest] = await readModelView(store, t, SPACE, NOW);
      expect(rest).toEqual([]);
      expect(got!.anchor.pose.p).toEqual([0.1, 0.2, 0.30000000000000004]);
      expect(got!.anchor.props).toEqual({ text: 'a\uFFFDb', half: 'x\uFFFDy', emoji: '😀', nan: null, inf: null, tiny: 5e-324, big: 2 ** 60, deep: { list: [1, 'two', null, { three: 3.1 }] } });
      expect(got!.anchor.expiresAt).toBe(NOW + 1); // rounded up to a whole millisecond: the same instants are expired
      await updater.close();
    });
  });
}

describeReadModelStore('memory', async () => createMemoryStore());
describeReadModelStore('PGlite', () => createPgliteStore({ dataDir: 'memory://' }));

const schema = uniqueSchema('readmodel');
describeReadModelStore('Postgres', async () => createPgStore({ connectionString: PG_URL, schema, poolSize: 4 }));

// S5: the read model on the tenant-scoped app role, under row-level security (its REST query runs scoped).
const rlsSchema = uniqueSchema('readmodel_rls');
describeReadModelStore('Postgres, app role under row-level security', async () => {
  await prepareRoles(rlsSchema);
  return createPgStore({ connectionString: urlAs(APP_ROLE), ownerConnectionString: urlAs(OWNER_ROLE), schema: rlsSchema, poolSize: 4 });
});
afterAll(async () => {
  await dropSchema(rlsSchema);
});

describe('read model on Postgres, two nodes', () => {
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
    b = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
    await a.migrate();
    await b.migrate();
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dropSchema(schema);
  });

  it('X3: the two halves of many moves across a cell edge, merged on two nodes at once, leave each anchor once, in its new cell', async () => {
    const t = freshTenant();
    const onA = createReadModelUpdater({ store: a });
    const onB = createReadModelUpdater({ store: b });
    const commitA = committer(a, onA, t, 'writer-000a');
    const commitB = committer(b, onB, t, 'writer-000b');
    const r = anchorReplica('r1');
    const ids = Array.from({ length: 40 }, () => newAnchorId());
    await commitA(ids.flatMap((id, i) => r.create(SPACE, CELLS[0]!, id, [i, 0, 0])));
    await onA.idle();
    for (let round = 0; round < 4; round++) {
      const from = CELLS[round % 2]!;
      const to = CELLS[(round + 1) % 2]!;
      const moves = ids.map((id, i) => r.move(SPACE, id, from, [i, round + 1, 0], to));
      // Node A commits every leaving half, node B every arriving half, concurrently, one commit each.
      await Promise.all(moves.map(async ([leave, arrive]) => Promise.all([commitA([leave!]), commitB([arrive!])])));
      await Promise.all([onA.idle(), onB.idle()]);
      const actual = await readModelView(a, t, SPACE, NOW);
      expect(actual).toEqual(await expectedView(a, t, SPACE, CELL_DOCS, NOW));
      expect(actual.map((x) => [x.anchor.cell, x.anchor.pose.p[1]])).toEqual(ids.map(() => [to, round + 1]));
    }
    await Promise.all([onA.close(), onB.close()]);
  });
});
