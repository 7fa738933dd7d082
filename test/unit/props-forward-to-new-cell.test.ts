/**
 * X5 on replicas that hold only some cells: an edit that landed in the cell the anchor had concurrently left
 * is forwarded by its writer, once it learns of the move, into the anchor's current cell, so a replica
 * holding only that cell shows it too. Real clients on a real sync node, deliveries by a fixed-seed world.
 */
import { describe, expect, it } from 'vitest';
import { cellOf, createGeoFrame, encodeHlc, markMoved, ORIGIN as TX, type Vec3 } from '@cairn/shared';
import { simReplicas } from '../support/sim-replicas.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const HERE: Vec3 = [0, 0, 0];
const THERE: Vec3 = [130, 0, 0];
const cellAt = (p: Vec3) => {
  const g = createGeoFrame(ORIGIN).toGeo(p);
  return cellOf(g.lat, g.lon, 7);
};
const C1 = cellAt(HERE);
const C2 = cellAt(THERE);

describe('X5: props edits forwarded to the cell the anchor moved to', () => {
  for (const writerCells of [[C1], [C1, C2]]) {
    it(`X5: a replica holding only the new cell shows an edit made in the old one (the writer holds ${writerCells.length === 1 ? 'only the old cell' : 'both cells'})`, async () => {
      expect(C1).not.toBe(C2);
      const sim = await simReplicas({
        seed: 11, space: 's', origin: ORIGIN, precision: 7,
        replicas: [{ skewMs: 0, cells: [C1, C2] }, { skewMs: 0, cells: writerCells }, { skewMs: 0, cells: [C2] }],
      });
      const [mover, writer, watcher] = sim.replicas as [typeof sim.replicas[0], typeof sim.replicas[0], typeof sim.replicas[0]];
      try {
        const x = await mover.space.anchors.create({ pose: { p: HERE, q: [0, 0, 0, 1] }, props: { label: 'crate', size: 2 } });
        await sim.sync();
        writer.client.goOffline();
        sim.world.advance(1_000);
        const moved = await mover.space.anchors.move(x.id, { p: THERE, q: [0, 0, 0, 1] });
        sim.world.advance(1_000);
        expect((await writer.space.anchors.update(x.id, { color: 'red', label: undefined })).cell).toBe(C1);
        await sim.sync();

        const want = { id: x.id, cell: C2, pose: moved.pose, props: { color: 'red', size: 2 } };
        for (const r of [mover, watcher]) {
          expect(r.space.anchors.get(x.id)).toMatchObject(want);
          expect(r.space.anchors.get(x.id)!.props).toEqual(want.props);
        }
        // The writer shows the anchor only where it holds its cell.
        expect(writer.space.anchors.get(x.id)?.props).toEqual(writerCells.includes(C2) ? want.props : undefined);
      } finally {
        await sim.close();
      }
    });
  }

  it('X5: a forged forwarding tombstone that names no cell makes the writer write nowhere and report no error', async () => {
    const sim = await simReplicas({ seed: 12, space: 's', origin: ORIGIN, precision: 7, replicas: [{ skewMs: 0, cells: [C1] }, { skewMs: 0, cells: [C1] }] });
    const [forger, writer] = sim.replicas as [typeof sim.replicas[0], typeof sim.replicas[0]];
    const errors: unknown[] = [];
    writer.client.on('error', (err) => errors.push(err));
    try {
      const x = await writer.space.anchors.create({ pose: { p: HERE, q: [0, 0, 0, 1] }, props: { label: 'crate' } });
      await writer.space.anchors.update(x.id, { color: 'red' });
      await sim.sync();
      const doc = forger.docs.get(C1)!;
      doc.transact(() => markMoved(doc, x.id, '../../meta', encodeHlc({ wallMs: 2 ** 46, counter: 0, nodeId: 'forger' })), TX.LOCAL);
      await sim.sync();
      expect(writer.space.anchors.get(x.id)).toBeUndefined(); // forwarded, as the tombstone says
      expect(errors).toEqual([]);
      expect(await sim.store.loadUpdates('t1', 's/cell/../../meta', 0)).toEqual([]); // no doc named by the forger
    } finally {
      await sim.close();
    }
  });
});
