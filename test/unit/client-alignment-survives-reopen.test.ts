/**
 * P3 on the client: a device's alignment to a space is stored in its replica, survives a reopen of the
 * client on the same IndexedDB (fake-indexeddb), keeps re-estimating over the stored sightings, and feeds
 * the xr/ helpers (pose conversion, sightings read from an XRFrame).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IDBObjectStore } from 'fake-indexeddb';
import { CairnError, fitAlignment, poseDistance, type AnchorCorrespondence, type Pose } from '@cairn/shared';
import { createXRAnchorFor, observeXRSpace, type CairnClient, type XRFrameLike, type XRPointLike, type XRRigidTransformLike } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn, freshIndexedDB } from './support/client-harness.js';
import { prng } from '../support/prng.js';
import { SEED, randomTruth, scene, transformError } from '../support/alignment-scene.js';
import { openDexieStore } from '../../packages/client/src/replica/dexie-store.js';

const clients: CairnClient[] = [];
const track = (c: CairnClient) => (clients.push(c), c);
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

const NOISE = { m: 0.005, deg: 0.3 };

function sightings(seed: number, n: number): { truth: Pose; cs: AnchorCorrespondence[] } {
  const r = prng(seed);
  const truth = randomTruth(r, 'yaw');
  return { truth, cs: scene(r, truth, n, NOISE) };
}

function offlineClient(db: ReturnType<typeof freshIndexedDB>): CairnClient {
  const c = track(clientOn(createFakeServer(), db));
  c.goOffline();
  return c;
}

describe(`device alignment in the replica (SEED=${SEED})`, () => {
  it('P3: the stored alignment survives a client reopen and re-estimates over the stored sightings', async () => {
    const db = freshIndexedDB();
    const { truth, cs } = sightings(SEED, 4);
    const first = offlineClient(db);
    const align = first.alignment('lab');
    await align.ready;
    expect(align.fit).toBeNull();
    for (let i = 0; i < 3; i++) await align.observe(`anchor-${i}`, cs[i]!);
    const before = align.fit!;
    expect(before.anchors).toBe(3);
    await first.destroy();

    const second = offlineClient(db);
    const again = second.alignment('lab');
    await again.ready;
    expect(again.fit).toEqual(before);
    expect(again.observations.map((o) => o.anchorId)).toEqual(['anchor-0', 'anchor-1', 'anchor-2']);
    // The next sighting re-fits over the stored three and itself.
    const fit = await again.observe('anchor-3', cs[3]!);
    expect(fit).toEqual(fitAlignment(cs));
    expect(fit.anchors).toBe(4);
    expect(transformError(fit.transform, truth, cs).m).toBeLessThan(0.01);
    // Other spaces have their own alignment.
    await second.alignment('hall').ready;
    expect(second.alignment('hall').fit).toBeNull();
  });

  it('P3: reset and forget are stored too', async () => {
    const db = freshIndexedDB();
    const { cs } = sightings(SEED + 1, 3);
    const first = offlineClient(db);
    const a = first.alignment('lab');
    const b = first.alignment('hall');
    for (let i = 0; i < 3; i++) {
      await a.observe(`a${i}`, cs[i]!);
      await b.observe(`b${i}`, cs[i]!);
    }
    await a.reset();
    await b.forget('b1');
    await first.destroy();

    const second = offlineClient(db);
    await second.alignment('lab').ready;
    expect(second.alignment('lab').fit).toBeNull();
    await second.alignment('hall').ready;
    expect(second.alignment('hall').observations.map((o) => o.anchorId)).toEqual(['b0', 'b2']);
  });

  it('P3: a stored record that is not an alignment is ignored, not trusted', async () => {
    const db = freshIndexedDB();
    const store = await openDexieStore({ ...db, compactThreshold: 64, onFailure: () => undefined });
    await store.saveAlignment('lab', { space: 'lab', model: 'auto', observations: [{ anchorId: 'x', space: 'nope' }], updatedAt: 1 } as never);
    await store.close();
    const client = offlineClient(db);
    await client.alignment('lab').ready;
    expect(client.alignment('lab').fit).toBeNull();
    expect(client.alignment('lab').observations).toEqual([]);
  });

  it('P3: poses convert through the alignment; before any sighting they are refused', async () => {
    const { cs } = sightings(SEED + 2, 3);
    const client = offlineClient(freshIndexedDB());
    const align = client.alignment('lab');
    await align.ready;
    expect(() => align.toSpace(cs[0]!.observed)).toThrow(CairnError);
    const changes: unknown[] = [];
    align.onChange((fit) => changes.push(fit));
    for (let i = 0; i < 3; i++) await align.observe(`anchor-${i}`, cs[i]!);
    expect(changes).toHaveLength(3);
    for (const c of cs) {
      expect(poseDistance(align.toSpace(c.observed), c.space).meters).toBeLessThan(0.01);
      expect(poseDistance(align.toReference(c.space), c.observed).meters).toBeLessThan(0.01);
    }
  });

  it('P3: stored alignments are carried into memory when IndexedDB fails (O6)', async () => {
    const { cs } = sightings(SEED + 5, 3);
    const db = freshIndexedDB();
    // Stored by an earlier session; this client first reads it after the failure.
    const store = await openDexieStore({ ...db, compactThreshold: 64, onFailure: () => undefined });
    await store.saveAlignment('hall', { space: 'hall', model: 'auto', observations: [{ anchorId: 'h0', ...cs[2]! }], updatedAt: 1 });
    await store.close();
    const client = offlineClient(db);
    const errors: unknown[] = [];
    client.on('storage-error', (e) => errors.push(e));
    const lab = client.alignment('lab');
    await lab.observe('a0', cs[0]!);
    const fail = () => {
      throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
    };
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(fail);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(fail);
    // This save fails on IndexedDB and is written again to the memory replica.
    expect((await lab.observe('a1', cs[1]!)).anchors).toBe(2);
    expect(errors).toHaveLength(1);
    expect(client.persisting).toBe(false);
    const hall = client.alignment('hall');
    await hall.ready;
    expect(hall.observations.map((o) => o.anchorId)).toEqual(['h0']);
  });

  it('P3: a memory-only client aligns too (nothing to survive)', async () => {
    const { cs } = sightings(SEED + 3, 1);
    const client = track(clientOn(createFakeServer(), { persistence: 'memory' }));
    client.goOffline();
    const fit = await client.alignment('lab').observe('a', cs[0]!);
    expect(fit.model).toBe('yaw');
    expect(fit.residual.rmsM).toBeLessThan(1e-12);
  });

  it('P3: sightings read from an XRFrame align the device, and XR anchors are created where the space says', async () => {
    const { cs } = sightings(SEED + 4, 3);
    const client = offlineClient(freshIndexedDB());
    const align = client.alignment('lab');
    const refSpace = { name: 'local-floor' };
    const spaces = cs.map(() => ({}));
    const toXR = (p: Pose): XRRigidTransformLike => ({
      position: { x: p.p[0], y: p.p[1], z: p.p[2], w: 1 },
      orientation: { x: p.q[0], y: p.q[1], z: p.q[2], w: p.q[3] },
    });
    const created: XRRigidTransformLike[] = [];
    const frame: XRFrameLike = {
      getPose: (space, base) => {
        expect(base).toBe(refSpace);
        const i = spaces.indexOf(space);
        return i < 0 ? null : { transform: toXR(cs[i]!.observed) };
      },
      createAnchor: (pose) => {
        created.push(pose);
        return Promise.resolve({ anchorSpace: {}, delete() {} });
      },
    };
    expect(await observeXRSpace(align, frame, refSpace, {}, { id: 'untracked', pose: cs[0]!.space })).toBeNull();
    for (let i = 0; i < 3; i++) await observeXRSpace(align, frame, refSpace, spaces[i]!, { id: `anchor-${i}`, pose: cs[i]!.space });
    expect(align.fit?.anchors).toBe(3);

    class Transform implements XRRigidTransformLike {
      constructor(readonly position: XRPointLike, readonly orientation: XRPointLike) {}
    }
    await createXRAnchorFor(frame, refSpace, { id: 'anchor-0', pose: cs[0]!.space }, align.transform!, { XRRigidTransform: Transform as never });
    const at = created[0]!.position;
    const expected = cs[0]!.observed.p;
    expect(Math.hypot(at.x - expected[0], at.y - expected[1], at.z - expected[2])).toBeLessThan(0.01);
  });
});
