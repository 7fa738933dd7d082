/**
 * X5: a props edit made on a replica that has not seen a concurrent move of the anchor to another cell lands
 * in the OLD cell; after sync it is still kept: both replicas and the server's read model (memory Store,
 * fed by the node's commits, and Postgres, fed the same commits old cell last) show the moved pose AND the
 * edit. Real clients on a real sync node, every delivery scheduled by a world with a fixed seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cellDocId, cellOf, createGeoFrame, type Vec3 } from '@cairn/shared';
import { createPgStore, createReadModelUpdater, type Store } from '@cairn/server';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { readModelView } from '../support/readmodel-writer.js';
import { simReplicas, type SimReplica, type SimReplicas } from '../support/sim-replicas.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const frame = createGeoFrame(ORIGIN);
const HERE: Vec3 = [0, 0, 0];
const THERE: Vec3 = [130, 0, 0];
const cellAt = (p: Vec3) => {
  const g = frame.toGeo(p);
  return cellOf(g.lat, g.lon, 7);
};
const C1 = cellAt(HERE);
const C2 = cellAt(THERE);
const TURNED = { p: THERE, q: [0, 0.6, 0, 0.8] as [number, number, number, number] };

/** Replicas A and B, each on its own clock (`skewMs` ahead of the world's), both holding C1 and C2. */
async function setup(skewMs: [number, number]) {
  const sim = await simReplicas({ seed: 5, space: 's', origin: ORIGIN, precision: 7, replicas: skewMs.map((skew) => ({ skewMs: skew, cells: [C1, C2] })) });
  return { ...sim, a: sim.replicas[0]!, b: sim.replicas[1]! };
}

/** The greatest hlc under which the replica's docs hold a write of props key `key` of anchor `id`. */
function propClock(r: SimReplica, cell: string, id: string, key: string): string {
  const hlcs = [...r.docs.get(cell)!.getMap('propsAt').keys()].filter((k) => k.startsWith(`${id}|${key}|`)).map((k) => k.slice(k.lastIndexOf('|') + 1));
  return hlcs.sort().at(-1) ?? '';
}

/** The anchor as the memory read model holds it after the node's commits. */
async function readModelRow(s: SimReplicas, id: string) {
  await s.node.readModel.idle();
  return (await readModelView(s.store, 't1', 's', 0)).find((r) => r.anchor.id === id)?.anchor;
}

/** The committed log of both cells, fed to a Postgres read model: the moved-to cell first, the old cell last. */
async function replayOnPostgres(from: Store, pgStore: Store, tenant: string): Promise<void> {
  const updater = createReadModelUpdater({ store: pgStore });
  let seq = 0;
  for (const cell of [C2, C1]) {
    const doc = cellDocId('s', cell);
    for (const row of await from.loadUpdates('t1', doc, 0)) {
      const [outcome] = await pgStore.commitBatch([{ tenant, doc, clientId: 'replay-0001', seq: seq++, actor: 'replay', update: row.update }]);
      updater.committed(tenant, doc, outcome!.version);
    }
    await updater.idle();
  }
  await updater.close();
}

describe('X5: a props edit concurrent with a move to another cell', () => {
  const schema = uniqueSchema('props_move');
  let pgStore: Store;
  let tenants = 0;
  beforeAll(async () => {
    pgStore = createPgStore({ connectionString: PG_URL, schema, poolSize: 2 });
    await pgStore.migrate();
  });
  afterAll(async () => {
    await pgStore?.close();
    await dropSchema(schema);
  });

  it('X5: an offline props edit and delete that land in the old cell are kept on both replicas and in the read model', async () => {
    expect(C1).not.toBe(C2);
    const s = await setup([0, 0]);
    try {
      const x = await s.a.space.anchors.create({ pose: { p: HERE, q: [0, 0, 0, 1] }, props: { label: 'crate', size: 2 } });
      await s.sync();
      s.b.client.goOffline();
      s.world.advance(1_000);
      const moved = await s.a.space.anchors.move(x.id, TURNED);
      expect(moved.cell).toBe(C2);
      s.world.advance(1_000);
      // B has not seen the move: its edit goes into C1, behind the forwarding tombstone A wrote there.
      const edited = await s.b.space.anchors.update(x.id, { color: 'red', label: undefined });
      expect(edited.cell).toBe(C1);
      await s.sync();

      const want = { id: x.id, cell: C2, pose: moved.pose, props: { color: 'red', size: 2 } };
      for (const r of [s.a, s.b]) {
        expect(r.space.anchors.all().map((a) => a.id)).toEqual([x.id]);
        expect(r.space.anchors.get(x.id)).toMatchObject(want);
        expect(r.space.anchors.get(x.id)!.props).toEqual(want.props);
      }
      const row = await readModelRow(s, x.id);
      expect(row).toMatchObject(want);
      expect(row!.props).toEqual(want.props);

      const tenant = `props-move-${tenants++}`;
      await replayOnPostgres(s.store, pgStore, tenant);
      const pgRow = (await readModelView(pgStore, tenant, 's', 0)).find((r) => r.anchor.id === x.id)?.anchor;
      expect(pgRow).toMatchObject({ id: x.id, cell: C2, pose: { p: THERE, hlc: moved.pose.hlc } });
      expect(pgRow!.props).toEqual(want.props);
    } finally {
      await s.close();
    }
  });

  it('X5: of two concurrent edits of one key, the later hlc wins, even when it landed in the old cell', async () => {
    // B's clock runs 5 s ahead of A's: its edit in the old cell is later than A's in the new one.
    const s = await setup([0, 5_000]);
    try {
      const x = await s.a.space.anchors.create({ pose: { p: HERE, q: [0, 0, 0, 1] }, props: { color: 'grey' } });
      await s.sync();
      s.b.client.goOffline();
      await s.a.space.anchors.move(x.id, TURNED);
      await s.a.space.anchors.update(x.id, { color: 'blue' });
      await s.b.space.anchors.update(x.id, { color: 'red' });
      const blue = propClock(s.a, C2, x.id, 'color');
      const red = propClock(s.b, C1, x.id, 'color');
      await s.sync();
      for (const r of [s.a, s.b]) expect(r.space.anchors.get(x.id)).toMatchObject({ cell: C2, props: { color: 'red' } });
      expect(await readModelRow(s, x.id)).toMatchObject({ cell: C2, props: { color: 'red' } });
      // The case the test is about: the write in the old cell is the later one.
      expect(red > blue, `red ${red} after blue ${blue}`).toBe(true);
    } finally {
      await s.close();
    }
  });
});
