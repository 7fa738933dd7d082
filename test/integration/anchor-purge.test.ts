/**
 * Issue 13, L2, L5, X1, X4: the purge pass on every Store (memory, PGlite, Postgres), two server nodes in
 * this process sharing the Store and a bus, real clients over `ws` (fake-indexeddb). The pass takes `now`,
 * so days of grace pass without waiting: anchors expired past the grace and deleted anchors past it are
 * reduced to a tombstone in their cell docs, the read model drops them, a connected replica's index drops
 * them too (and still equals its docs, X1); an expired anchor within the grace stays in the doc (hidden by
 * X4); a replica offline across the purge cannot bring a deleted anchor back; tombstones go after the keep
 * period; two nodes purging at once write each doc once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ANCHOR_MAPS, cellDocId, mergeAnchorView, readCell, type Pose } from '@cairn/shared';
import type { CairnClient, Space } from '@cairn/client';
import {
  buildServer, createMemoryBusHub, createMemoryStore, createPgStore, createPgliteStore, createTokenVerifier, issueToken,
  type CairnServer, type Store,
} from '@cairn/server';
import { nodeClient } from '../support/node-client.js';
import { until } from '../support/until.js';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';

const SECRET = 'purge-test-secret-0123456789abcdef-xyz';
const TENANT = 'acme';
const SPACE = 'yard';
const ORIGIN = { lat: 48.8566, lon: 2.3522, alt: 35 };
const REGION = { lat: ORIGIN.lat, lon: ORIGIN.lon, radiusM: 20 };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const GRACE_DAYS = 30;
const KEEP_DAYS = 365;

const pose = (x: number, z: number): Pose => ({ p: [x, 1, z], q: [0, 0, 0, 1] });

/** Every key a doc holds of an anchor id, as `map:key`. */
function keysOf(doc: Y.Doc, id: string): string[] {
  return ANCHOR_MAPS.flatMap((name) => [...doc.getMap(name).keys()].filter((k) => k === id || k.startsWith(`${id}|`)).map((k) => `${name}:${k}`)).sort();
}

/** The doc as the Store holds it (snapshot + log), i.e. as a compaction would write it. */
async function storedDoc(store: Store, doc: string): Promise<Y.Doc> {
  const y = new Y.Doc();
  const snap = await store.loadSnapshot(TENANT, doc);
  if (snap) Y.applyUpdate(y, snap.state);
  for (const u of await store.loadUpdates(TENANT, doc, snap?.version ?? 0)) Y.applyUpdate(y, u.update);
  return y;
}

interface Setup {
  name: string;
  open(): Promise<{ stores: [Store, Store]; close(): Promise<void> }>;
}

const setups: Setup[] = [
  { name: 'memory', async open() {
    const s = createMemoryStore();
    return { stores: [s, s], close: () => s.close() };
  } },
  { name: 'pglite', async open() {
    const s = await createPgliteStore({ dataDir: 'memory://' });
    return { stores: [s, s], close: () => s.close() };
  } },
  { name: 'postgres', async open() {
    const schema = uniqueSchema('purge');
    const a = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
    const b = createPgStore({ connectionString: PG_URL, schema, poolSize: 4 });
    return { stores: [a, b], async close() {
      await Promise.all([a.close(), b.close()]);
      await dropSchema(schema);
    } };
  } },
];

for (const setup of setups) {
  describe(`purge on the ${setup.name} store`, () => {
    let stores: [Store, Store];
    let closeStores: () => Promise<void>;
    const servers: CairnServer[] = [];
    const urls: string[] = [];
    const clients: CairnClient[] = [];
    let token = '';
    let x: CairnClient;
    let spaceX: Space;
    let cell = '';
    const t0 = Date.now();
    const ids: Record<string, string> = {};
    let sizeAtStart = 0;

    const store = () => stores[0];
    const liveIds = async (now: number) =>
      (await store().anchors.query(TENANT, SPACE, { kind: 'cell', prefix: '' }, { now, limit: 1000 })).map((r) => r.anchor.id).sort();
    const readModelsIdle = () => Promise.all(servers.map((s) => s.node.readModel.idle()));
    const client = () => {
      const c = nodeClient({ wsUrl: urls[clients.length % 2]! }, token);
      clients.push(c);
      return c;
    };

    /** X1 + X4: the replica's index is the merged view of its cell docs at its own clock. */
    async function expectIndexEqualsDocs(c: CairnClient, space: Space): Promise<void> {
      const doc = await c.open(cellDocId(SPACE, cell));
      const fromDocs = [...mergeAnchorView(SPACE, readCell(doc, cell), Date.now()).keys()].sort();
      expect(space.anchors.all().map((a) => a.id).sort()).toEqual(fromDocs);
    }

    beforeAll(async () => {
      const opened = await setup.open();
      stores = opened.stores;
      closeStores = opened.close;
      await Promise.all(stores.map((s) => s.migrate()));
      const verifier = createTokenVerifier({ secret: SECRET });
      const hub = createMemoryBusHub();
      for (const [i, s] of stores.entries()) {
        const server = await buildServer({
          store: s, bus: hub.connect(), verify: (t) => verifier.verify(t), nodeId: `node-${i}`,
          purge: { graceDays: GRACE_DAYS, keepDays: KEEP_DAYS },
        });
        servers.push(server);
        urls.push((await server.listen({ port: 0 })).replace(/^http/, 'ws'));
      }
      token = await issueToken({ secret: SECRET, tenant: TENANT, subject: 'surveyor', spaces: { '*': 'rw' } });
      x = client();
      spaceX = x.space(SPACE, { origin: ORIGIN, precision: 7 });
      await spaceX.subscribeRegion(REGION);
      const make = async (name: string, p: Pose, ttlMs?: number) => {
        const a = await spaceX.anchors.create({ pose: p, props: { name, blob: 'x'.repeat(2000) }, ...(ttlMs ? { ttlMs } : {}) });
        ids[name] = a.id;
        cell = a.cell;
      };
      await make('expiredLong', pose(1, 1), HOUR); // expires in an hour: past the grace at t0 + 30 d + 2 h
      await make('expiredRecently', pose(2, 1), 10 * DAY); // expired, but within the grace at t0 + 30 d + 2 h
      await make('live', pose(3, 1));
      await make('deleted', pose(4, 1));
      await spaceX.anchors.delete(ids['deleted']!);
      await x.whenSynced();
      await readModelsIdle();
      sizeAtStart = Y.encodeStateAsUpdate(await storedDoc(store(), cellDocId(SPACE, cell))).byteLength;
    }, 60_000);

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.destroy().catch(() => undefined)));
      for (const s of servers) await s.close({ seams: false });
      await closeStores?.();
    });

    it('X4: a read model query never returns an anchor expired at its `now`, before any purge', async () => {
      expect(await liveIds(Date.now())).toEqual([ids['expiredLong'], ids['expiredRecently'], ids['live']].sort());
      expect(await liveIds(t0 + 2 * HOUR)).toEqual([ids['expiredRecently'], ids['live']].sort());
      expect(await liveIds(t0 + 11 * DAY)).toEqual([ids['live']]);
    });

    it('L5: past the grace, expired and deleted anchors keep only a tombstone in the doc, leave the read model and a connected replica (X1)', async () => {
      const doc = cellDocId(SPACE, cell);
      const head = await store().headVersion(TENANT, doc);
      expect(spaceX.anchors.get(ids['expiredLong']!)).toBeDefined(); // not expired yet by the replica's clock
      const summary = await servers[0]!.node.purger.pass(t0 + GRACE_DAYS * DAY + 2 * HOUR);
      expect(summary).toMatchObject({ docs: 1, purged: { expired: 1, deleted: 1, tombstone: 0, forwarded: 0 }, failed: 0 });
      expect(await store().headVersion(TENANT, doc)).toBe(head + 1);
      const after = await storedDoc(store(), doc);
      expect(keysOf(after, ids['expiredLong']!)).toEqual([`deleted:${ids['expiredLong']}`]);
      expect(after.getMap('deleted').get(ids['expiredLong']!)).toMatchObject({ by: 'cairn:purge' });
      expect(keysOf(after, ids['deleted']!)).toEqual([`deleted:${ids['deleted']}`]);
      // Within the grace: whole, only hidden by X4.
      expect(keysOf(after, ids['expiredRecently']!).length).toBeGreaterThan(3);
      expect(keysOf(after, ids['live']!).length).toBeGreaterThan(3);
      await readModelsIdle();
      expect(await liveIds(Date.now())).toEqual([ids['expiredRecently'], ids['live']].sort());
      await until(() => spaceX.anchors.get(ids['expiredLong']!) === undefined, 'the connected replica to drop the purged anchor');
      await expectIndexEqualsDocs(x, spaceX);
      // Committed as the purge, and audited (L4).
      const changes = await store().listChanges(TENANT, doc, head, 10);
      expect(changes.map((c) => c.actor)).toEqual(['cairn:purge']);
      expect(await servers[0]!.metrics.registry.getSingleMetricAsString('cairn_anchors_purged_total')).toMatch(/reason="expired"} 1/);
      await servers[0]!.node.audit.flush();
      const audit = await store().queryAudit({ tenant: TENANT, action: 'purge', limit: 10 });
      expect(audit.rows.map((r) => [r.subject, r.doc, r.detail])).toEqual([
        ['cairn:purge', doc, expect.objectContaining({ version: head + 1, expired: 1, deleted: 1, tombstone: 0, forwarded: 0 })],
      ]);
      // A second pass at the same time finds nothing: no version burned.
      expect((await servers[1]!.node.purger.pass(t0 + GRACE_DAYS * DAY + 2 * HOUR)).docs).toBe(0);
      expect(await store().headVersion(TENANT, doc)).toBe(head + 1);
    });

    it('L5: a replica offline across the purge that edits a deleted anchor does not bring it back; the next pass strips its edit', async () => {
      const y = client();
      const spaceY = y.space(SPACE, { origin: ORIGIN, precision: 7 });
      await spaceY.subscribeRegion(REGION);
      const a = await spaceX.anchors.create({ pose: pose(5, 1), props: { name: 'contested' } });
      await x.whenSynced();
      await until(() => spaceY.anchors.get(a.id) !== undefined, 'the second replica to see the anchor');
      y.goOffline();
      await spaceY.anchors.move(a.id, pose(6, 2));
      await spaceY.anchors.update(a.id, { note: 'edited offline' });
      await spaceX.anchors.delete(a.id);
      await x.whenSynced();
      await readModelsIdle();
      const doc = cellDocId(SPACE, cell);
      expect((await servers[0]!.node.purger.pass(Date.now() + GRACE_DAYS * DAY + HOUR)).purged.deleted).toBe(1);
      y.goOnline();
      await y.whenSynced();
      await x.whenSynced();
      // Its edit is stored (acked, nothing lost) but the tombstone hides the anchor everywhere.
      await readModelsIdle();
      expect(await liveIds(Date.now())).not.toContain(a.id);
      await until(() => spaceY.anchors.get(a.id) === undefined && spaceX.anchors.get(a.id) === undefined, 'both replicas to hide it');
      const merged = await storedDoc(store(), doc);
      expect(keysOf(merged, a.id).length).toBeGreaterThan(1);
      expect(keysOf(merged, a.id)).toContain(`deleted:${a.id}`);
      await expectIndexEqualsDocs(y, spaceY);
      // The next pass reduces it to the tombstone again.
      expect((await servers[1]!.node.purger.pass(Date.now() + GRACE_DAYS * DAY + HOUR)).purged.deleted).toBe(1);
      expect(keysOf(await storedDoc(store(), doc), a.id)).toEqual([`deleted:${a.id}`]);
    });

    it('L5: two nodes purging at once commit each doc once and count each anchor once', async () => {
      const made: string[] = [];
      for (let i = 0; i < 5; i++) made.push((await spaceX.anchors.create({ pose: pose(-i, -3), props: { i }, ttlMs: HOUR })).id);
      await x.whenSynced();
      await readModelsIdle();
      const docs = [...new Set(made.map((id) => spaceX.anchors.get(id)!.cell))];
      const heads = await Promise.all(docs.map((c) => store().headVersion(TENANT, cellDocId(SPACE, c))));
      const now = Date.now() + HOUR + GRACE_DAYS * DAY;
      const [a, b] = await Promise.all(servers.map((s) => s.node.purger.pass(now)));
      expect(a!.purged.expired + b!.purged.expired).toBe(made.length);
      expect(a!.docs + b!.docs).toBe(docs.length);
      expect(await Promise.all(docs.map((c) => store().headVersion(TENANT, cellDocId(SPACE, c))))).toEqual(heads.map((h) => h + 1));
      await until(() => made.every((id) => spaceX.anchors.get(id) === undefined), 'the replica to drop the five');
      await expectIndexEqualsDocs(x, spaceX);
    });

    it('L5: past the keep period the tombstones go too and the compacted doc shrinks', async () => {
      const doc = cellDocId(SPACE, cell);
      const summary = await servers[0]!.node.purger.pass(Date.now() + (KEEP_DAYS + GRACE_DAYS + 2) * DAY);
      expect(summary.purged.tombstone).toBeGreaterThanOrEqual(3);
      const after = await storedDoc(store(), doc);
      expect(keysOf(after, ids['expiredLong']!)).toEqual([]);
      expect(keysOf(after, ids['deleted']!)).toEqual([]);
      // expiredRecently is now past its grace: reduced to a tombstone; the live anchor is untouched.
      expect(keysOf(after, ids['expiredRecently']!)).toEqual([`deleted:${ids['expiredRecently']}`]);
      expect(keysOf(after, ids['live']!).length).toBeGreaterThan(3);
      const compacted = Y.encodeStateAsUpdate(after).byteLength;
      console.log(`[${setup.name}] cell doc state: ${sizeAtStart} bytes with 4 anchors (2 kB props each), ${compacted} bytes once all but one of them (and the 6 made since) were purged`);
      expect(compacted).toBeLessThan(sizeAtStart);
      await until(() => spaceX.anchors.get(ids['expiredRecently']!) === undefined, 'the replica to drop the newly purged anchor');
      await expectIndexEqualsDocs(x, spaceX);
      await readModelsIdle();
      expect(await liveIds(0)).toEqual([ids['live']]);
      // The read model's entries of the dropped anchors are gone too: with every cut-off in the far future,
      // an entry still held (even a bare tombstone) would be listed.
      const everything = { expiredBefore: Number.MAX_SAFE_INTEGER, deletedBefore: '9999', droppedBefore: '9999', forwardedBefore: 'g' };
      const held = new Set((await store().anchors.purgeCandidates(everything, 1000)).map((c) => c.id));
      expect([ids['expiredLong'], ids['deleted']].filter((id) => held.has(id!))).toEqual([]);
      expect(held.has(ids['expiredRecently']!)).toBe(true);
    });
  });
}
