/**
 * Anchors are created and edited with no network (DESIGN §6): every write lands in its cell doc, the
 * outbox holds it for the server, and the merged view (the space's index) shows it at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cellDocId, cellOf, isUuidV7, metaDocId, readCell, readSpaceMeta, type CairnError } from '@cairn/shared';
import type { AnchorChange, CairnClient } from '@cairn/client';
import { createFakeServer } from './support/fake-server.js';
import { clientOn } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

function offlineClient(now?: () => number): CairnClient {
  const c = clientOn(createFakeServer(), now ? { now } : {});
  c.goOffline();
  clients.push(c);
  return c;
}

const pose = (x: number, z = 0) => ({ p: [x, 1.5, z] as [number, number, number], q: [0, 0, 0, 1] as [number, number, number, number] });

describe('anchors offline', () => {
  it('creates an anchor offline: a UUIDv7 minted on the device, its cell doc written, the outbox pending', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN, precision: 7 });
    await space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 });
    const a = await space.anchors.create({ pose: pose(3), props: { label: 'door' } });
    expect(isUuidV7(a.id)).toBe(true);
    expect(a.cell).toBe(cellOf(a.lat, a.lon, 7));
    expect(a.lat).toBeCloseTo(ORIGIN.lat, 4);
    expect(a.alt).toBeCloseTo(ORIGIN.alt + 1.5, 2);
    expect(a.createdBy).toBe(client.clientId);
    expect(a.props).toEqual({ label: 'door' });
    expect(space.anchors.get(a.id)?.pose).toEqual(a.pose);
    await client.flush();
    expect(client.status.state).toBe('offline');
    expect(client.status.pending).toBeGreaterThan(0);
    const cell = await client.open(cellDocId('site', a.cell));
    expect(readCell(cell, a.cell).map((e) => e.id)).toEqual([a.id]);
    const meta = readSpaceMeta(await client.open(metaDocId('site')));
    expect(meta).toEqual({ origin: ORIGIN, precision: 7 });
  });

  it('the merged view holds the open cells: an anchor created outside every region is written but not shown', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN });
    await space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 });
    const far = await space.anchors.create({ pose: pose(5000) });
    expect(space.anchors.get(far.id)).toBeUndefined();
    const doc = await client.open(cellDocId('site', far.cell));
    expect(readCell(doc, far.cell).map((e) => e.id)).toEqual([far.id]);
    await space.openCells([far.cell]);
    expect(space.anchors.get(far.id)?.id).toBe(far.id);
  });

  it('X2/X3: a move across a cell edge writes the whole anchor into the new cell and a forwarding tombstone into the old one', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN });
    const a = await space.anchors.create({ pose: pose(0), props: { label: 'crate' }, ttlMs: 60_000, platformRefs: [{ kind: 'k', handle: 'h' }] });
    await space.openCells([a.cell]); // keep the old cell open to look at it
    const moved = await space.anchors.move(a.id, pose(400));
    expect(moved.cell).not.toBe(a.cell);
    expect(moved.pose.p).toEqual([400, 1.5, 0]);
    expect(moved.pose.hlc > a.pose.hlc).toBe(true);
    expect(moved).toMatchObject({ props: { label: 'crate' }, expiresAt: a.expiresAt, platformRefs: [{ kind: 'k', handle: 'h' }], createdAt: a.createdAt });
    const oldDoc = await client.open(cellDocId('site', a.cell));
    const [old] = readCell(oldDoc, a.cell);
    expect(old?.movedTo).toEqual({ cell: moved.cell, hlc: moved.pose.hlc });
    // The new cell was only held for the write: once let go, the anchor left this replica's view.
    expect(space.anchors.get(a.id)).toBeUndefined();
    await space.openCells([moved.cell]);
    expect(space.anchors.all().map((x) => x.id)).toEqual([a.id]);
    expect(space.anchors.get(a.id)?.cell).toBe(moved.cell);
  });

  it('update merges props per key, extendTtl and addPlatformRef rewrite the anchor where it lives', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN });
    await space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 50 });
    const a = await space.anchors.create({ pose: pose(1), props: { a: 1, b: 2 } });
    expect((await space.anchors.update(a.id, { b: undefined, c: 3 })).props).toEqual({ a: 1, c: 3 });
    const ttl = await space.anchors.extendTtl(a.id, 5000);
    expect(ttl.expiresAt).toBeGreaterThan(Date.now());
    expect((await space.anchors.extendTtl(a.id, null)).expiresAt).toBeUndefined();
    const ref = await space.anchors.addPlatformRef(a.id, { kind: 'webxr-persistent', handle: 'uuid-1', deviceId: 'quest' });
    expect(ref.platformRefs).toEqual([{ kind: 'webxr-persistent', handle: 'uuid-1', deviceId: 'quest' }]);
  });

  it('delete tombstones the anchor and onChange reports each change with its origin', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN });
    await space.subscribeRegion({ lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 50 });
    const changes: AnchorChange[] = [];
    space.anchors.onChange((c) => changes.push(c));
    const a = await space.anchors.create({ pose: pose(1) });
    await space.anchors.move(a.id, pose(2));
    await space.anchors.delete(a.id);
    expect(space.anchors.get(a.id)).toBeUndefined();
    expect(space.anchors.all()).toEqual([]);
    expect(changes).toEqual([
      { added: [a.id], changed: [], removed: [], origin: 'local' },
      { added: [], changed: [a.id], removed: [], origin: 'local' },
      { added: [], changed: [], removed: [a.id], origin: 'local' },
    ]);
    await expect(space.anchors.move(a.id, pose(3))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses bad input with BAD_REQUEST', async () => {
    const client = offlineClient();
    const space = client.space('site', { origin: ORIGIN });
    const bad = (p: Promise<unknown>) => expect(p).rejects.toSatisfy((e: CairnError) => e.code === 'BAD_REQUEST');
    await bad(space.anchors.create({ pose: { p: [0, 0, Number.NaN], q: [0, 0, 0, 1] } }));
    await bad(space.anchors.create({ pose: { p: [0, 0, 0], q: [0, 0, 0, 0] } }));
    await bad(space.anchors.create({ pose: pose(0), ttlMs: -1 }));
    await bad(space.anchors.update('0190a6b2-0000-7000-8000-000000000001', { a: 1 }));
    await bad(space.openCells(['not a geohash']));
    expect(() => client.space('a/b')).toThrow(expect.objectContaining({ code: 'INVALID_DOC_ID' }) as Error);
    expect(() => client.space('x', { precision: 13 })).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }) as Error);
  });

  it('one instance per space name until it is closed', async () => {
    const client = offlineClient();
    const s1 = client.space('site', { origin: ORIGIN });
    expect(client.space('site')).toBe(s1);
    await s1.close();
    const s2 = client.space('site');
    expect(s2).not.toBe(s1);
    await s2.openCells([]);
    expect(s2.origin).toEqual(ORIGIN); // from the meta doc the first instance wrote
    await expect(s1.anchors.create({ pose: pose(0) })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
