/**
 * X1: the space's index follows every change of the open cell docs, whatever its origin: the server
 * (remote), the replica (hydrate), this tab (local); X2: the replica's HLC never runs behind one it has
 * seen; X3: a forwarded anchor shows once; X4: expiry by the replica's own clock, offline too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  cellDocId, cellOf, createGeoFrame, encodeHlc, markMoved, metaDocId, putAnchor, setExpiry, writeSpaceMeta, type AnchorPose,
} from '@cairn/shared';
import type { AnchorChange, CairnClient, QueryDiff } from '@cairn/client';
import { createFakeServer, type FakeServer } from './support/fake-server.js';
import { clientOn, createManualTimers, until } from './support/client-harness.js';

const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const frame = createGeoFrame(ORIGIN);
const HERE = { lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 30 };
const CELL = cellOf(ORIGIN.lat, ORIGIN.lon, 7);
const ID = '0190a6b2-0000-7000-8000-0000000000a1';
const clients: CairnClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

function track(c: CairnClient): CairnClient {
  clients.push(c);
  return c;
}

/** An update that some other replica made: the anchor written into a doc of its own. */
function foreign(write: (doc: Y.Doc) => void): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => write(doc));
  return Y.encodeStateAsUpdate(doc);
}

const at = (x: number, hlc: string): AnchorPose => ({ p: [x, 0, 0], q: [0, 0, 0, 1], hlc });

async function onlineSpace(server: FakeServer) {
  const client = track(clientOn(server));
  const space = client.space('site', { origin: ORIGIN });
  await space.subscribeRegion(HERE);
  await client.whenSynced();
  return { client, space };
}

describe('index sync', () => {
  it('X1: an anchor the server sends reaches the index, live queries and onChange with origin remote', async () => {
    const server = createFakeServer();
    const { space } = await onlineSpace(server);
    const changes: AnchorChange[] = [];
    space.anchors.onChange((c) => changes.push(c));
    const diffs: QueryDiff[] = [];
    space.anchors.observe({ kind: 'within', center: [0, 0, 0], radiusM: 10 }, (d) => diffs.push(d));
    server.commitFromElsewhere(cellDocId('site', CELL), foreign((d) => putAnchor(d, { id: ID, pose: at(2, encodeHlc({ wallMs: 1, counter: 0, nodeId: 'other' })), created: { by: 'other', at: 'then' } })));
    await until(() => space.anchors.get(ID) !== undefined, 'the remote anchor is indexed');
    expect(space.anchors.get(ID)?.pose.p).toEqual([2, 0, 0]);
    expect(changes).toEqual([{ added: [ID], changed: [], removed: [], origin: 'remote' }]);
    expect(diffs).toEqual([{ added: [ID], changed: [], removed: [] }]);
  });

  it('X1: a cell doc hydrated from the replica is loaded whole, with origin hydrate', async () => {
    const server = createFakeServer();
    const client = track(clientOn(server));
    client.goOffline();
    const first = client.space('site', { origin: ORIGIN });
    await first.subscribeRegion(HERE);
    const made = await Promise.all([1, 2, 3].map((x) => first.anchors.create({ pose: { p: [x, 0, 0], q: [0, 0, 0, 1] } })));
    await first.close();
    const again = client.space('site');
    const changes: AnchorChange[] = [];
    again.anchors.onChange((c) => changes.push(c));
    await again.subscribeRegion(HERE);
    expect(again.anchors.all().map((a) => a.id).sort()).toEqual(made.map((a) => a.id).sort());
    expect(changes).toEqual([{ added: expect.arrayContaining(made.map((a) => a.id)) as string[], changed: [], removed: [], origin: 'hydrate' }]);
  });

  it('X2: after seeing a pose stamped ahead of its own wall clock, the replica\'s next move still wins', async () => {
    const server = createFakeServer();
    const { space } = await onlineSpace(server);
    const ahead = encodeHlc({ wallMs: Date.now() + 3_600_000, counter: 5, nodeId: 'fast-clock' });
    server.commitFromElsewhere(cellDocId('site', CELL), foreign((d) => putAnchor(d, { id: ID, pose: at(2, ahead), created: { by: 'other', at: 'then' } })));
    await until(() => space.anchors.get(ID) !== undefined, 'the remote anchor is indexed');
    const moved = await space.anchors.move(ID, { p: [4, 0, 0], q: [0, 0, 0, 1] });
    expect(moved.pose.hlc > ahead).toBe(true);
    expect(space.anchors.get(ID)?.pose.p).toEqual([4, 0, 0]);
  });

  it('X2: a TTL written under a clock ahead of this replica\'s does not outlive the replica\'s later change', async () => {
    const server = createFakeServer();
    const { space } = await onlineSpace(server);
    const old = encodeHlc({ wallMs: 1, counter: 0, nodeId: 'other' });
    const ahead = encodeHlc({ wallMs: Date.now() + 3_600_000, counter: 0, nodeId: 'fast-clock' });
    const update = foreign((d) => {
      putAnchor(d, { id: ID, pose: at(2, old), created: { by: 'other', at: 'then' } });
      setExpiry(d, ID, Date.now() + 60_000, ahead);
    });
    server.commitFromElsewhere(cellDocId('site', CELL), update);
    await until(() => space.anchors.get(ID) !== undefined, 'the remote anchor is indexed');
    expect(space.anchors.get(ID)?.expiresAt).toBeDefined();
    expect((await space.anchors.extendTtl(ID, null)).expiresAt).toBeUndefined();
    expect(space.anchors.get(ID)?.expiresAt).toBeUndefined();
  });

  it('X3: an anchor forwarded out of an open cell shows once, in its new cell, only while that cell is open', async () => {
    const server = createFakeServer();
    const { client, space } = await onlineSpace(server);
    const far = frame.toGeo([0, 0, -2000]);
    const farCell = cellOf(far.lat, far.lon, 7);
    const h1 = encodeHlc({ wallMs: 1, counter: 0, nodeId: 'other' });
    const h2 = encodeHlc({ wallMs: 2, counter: 0, nodeId: 'other' });
    server.commitFromElsewhere(cellDocId('site', CELL), foreign((d) => putAnchor(d, { id: ID, pose: at(1, h1), created: { by: 'o', at: 't' } })));
    await until(() => space.anchors.get(ID) !== undefined, 'the anchor is indexed');
    server.commitFromElsewhere(cellDocId('site', farCell), foreign((d) => putAnchor(d, { id: ID, pose: { p: [0, 0, -2000], q: [0, 0, 0, 1], hlc: h2 }, created: { by: 'o', at: 't' } })));
    server.commitFromElsewhere(cellDocId('site', CELL), foreign((d) => markMoved(d, ID, farCell, h2)));
    await until(() => space.anchors.get(ID) === undefined, 'the forwarding tombstone hides it here');
    await space.openCells([farCell]);
    await client.whenSynced();
    await until(() => space.anchors.get(ID)?.cell === farCell, 'the new cell shows it');
    expect(space.anchors.all().filter((a) => a.id === ID)).toHaveLength(1);
    expect(space.anchors.within([0, 0, -2000], 5).map((a) => a.id)).toEqual([ID]);
    expect(space.anchors.within([1, 0, 0], 5)).toEqual([]);
  });

  it('X4: an anchor expires by the replica clock offline: hidden at its expiry, then swept out of live queries', async () => {
    const timers = createManualTimers();
    const base = 1_700_000_000_000;
    const client = track(clientOn(createFakeServer(), { timers, now: () => base + timers.now }));
    client.goOffline();
    const space = client.space('site', { origin: ORIGIN });
    await space.subscribeRegion(HERE, { hysteresisMs: 0 });
    const a = await space.anchors.create({ pose: { p: [1, 0, 0], q: [0, 0, 0, 1] }, ttlMs: 10_000 });
    const keep = await space.anchors.create({ pose: { p: [2, 0, 0], q: [0, 0, 0, 1] } });
    const changes: AnchorChange[] = [];
    space.anchors.onChange((c) => changes.push(c));
    const diffs: QueryDiff[] = [];
    space.anchors.observe({ kind: 'within', center: [0, 0, 0], radiusM: 10 }, (d) => diffs.push(d));
    expect(a.expiresAt).toBe(base + 10_000);
    timers.advance(9_999);
    expect(space.anchors.get(a.id)).toBeDefined();
    expect(changes).toEqual([]);
    timers.advance(1);
    expect(space.anchors.get(a.id)).toBeUndefined();
    expect(space.anchors.all().map((x) => x.id)).toEqual([keep.id]);
    expect(changes).toEqual([{ added: [], changed: [], removed: [a.id], origin: 'local' }]);
    expect(diffs.at(-1)).toEqual({ added: [], changed: [], removed: [a.id] });
    // Extending the TTL of an expired anchor brings it back.
    await space.anchors.extendTtl(a.id, 5_000);
    expect(space.anchors.get(a.id)?.expiresAt).toBe(base + 15_000);
    expect(changes.at(-1)).toEqual({ added: [a.id], changed: [], removed: [], origin: 'local' });
  });

  it('X6: a new origin in the meta doc moves an anchor with no frame stamp on Earth, and one authored in the old origin not at all', async () => {
    const server = createFakeServer();
    const { client, space } = await onlineSpace(server);
    // Written before X6 (no stamp): its pose is in whatever frame is current.
    server.commitFromElsewhere(cellDocId('site', CELL), foreign((d) => putAnchor(d, { id: ID, pose: at(1, encodeHlc({ wallMs: 1, counter: 0, nodeId: 'other' })), created: { by: 'other', at: 'then' } })));
    await until(() => space.anchors.get(ID) !== undefined, 'the legacy anchor is indexed');
    const legacy = space.anchors.get(ID)!;
    const a = await space.anchors.create({ pose: { p: [1, 0, 0], q: [0, 0, 0, 1] } });
    expect(a.pose).toEqual({ p: [1, 0, 0], q: [0, 0, 0, 1], hlc: a.pose.hlc }); // shown without its stamp
    const changes: AnchorChange[] = [];
    space.anchors.onChange((c) => changes.push(c));
    const moved = { lat: ORIGIN.lat + 0.01, lon: ORIGIN.lon, alt: 0 };
    const meta = await client.open(metaDocId('site'));
    writeSpaceMeta(meta, { origin: moved }, 'app');
    expect(space.origin).toEqual(moved);
    const old = space.anchors.get(ID)!;
    expect(old.pose).toEqual(legacy.pose);
    expect(old.lat).toBeCloseTo(moved.lat, 4);
    const kept = space.anchors.get(a.id)!;
    expect(kept.pose.p[2]).toBeCloseTo(1112, 0); // ~0.01° of latitude south of the new origin
    expect(kept.lat).toBeCloseTo(a.lat, 10);
    expect(kept.lon).toBeCloseTo(a.lon, 10);
    expect(space.anchors.geoWithin(moved.lat, moved.lon, 5).map((x) => x.id)).toEqual([ID]);
    expect(space.anchors.geoWithin(a.lat, a.lon, 0.001).map((x) => x.id)).toEqual([a.id]);
    expect(changes).toEqual([{ added: [], changed: expect.arrayContaining([ID, a.id]) as string[], removed: [], origin: 'local' }]);
  });
});
