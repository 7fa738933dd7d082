/**
 * DESIGN.md section 7, L3 on the real Postgres and Redis: two sync nodes on one schema and one Redis (bus and
 * snapshot cache under one private prefix). Store loads are counted by a wrapped Store (loadSnapshot is the
 * first read of every full load, test/support/load-counting-store.ts); the state every room ends with is
 * compared to a replay of the Postgres log (M1, L3).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createPgStore, createRedisBus, createRedisSnapshotCache, createSyncNode, type Principal, type SnapshotCache, type Store, type SyncNode } from '@cairn/server';
import { dropSchema, PG_URL, uniqueSchema } from '../contract/store-pg-schema.js';
import { startTcpProxy, type TcpProxy } from '../contract/bus-tcp-proxy.js';
import { loadCountingStore } from '../support/load-counting-store.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const REDIS_URL = `redis://${REDIS.host}:${REDIS.port}`;
const WRITER: Principal = { tenant: 't1', subject: 'writer', spaces: { '*': 'rw' } };
const DOC = 'site/plan';

type Node = { node: SyncNode; cache: SnapshotCache; loads: ReturnType<typeof loadCountingStore>; close(): Promise<void> };
let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

/** A private schema and prefix; `seed` rows written to DOC of t1 through a plain Store. */
async function cluster(seed: number, opts: { leaseMs?: number; redisUrl?: (node: string) => string } = {}) {
  const schema = uniqueSchema('l3');
  const prefix = `cairn-test-l3i-${process.pid}-${randomBytes(4).toString('hex')}:`;
  const writer = createPgStore({ connectionString: PG_URL, schema });
  await writer.migrate();
  cleanup.push(async () => { await writer.close(); await dropSchema(schema); });
  await write(writer, 't1', DOC, 0, seed);
  const start = async (name: string): Promise<Node> => {
    const loads = loadCountingStore(createPgStore({ connectionString: PG_URL, schema }));
    const url = opts.redisUrl?.(name) ?? REDIS_URL;
    const bus = await createRedisBus({ url: REDIS_URL, prefix, onError: () => undefined });
    const cache = await createRedisSnapshotCache({ url, prefix, commandTimeoutMs: 3000, onError: () => undefined });
    const node = createSyncNode({ store: loads.store, bus, verify: async () => WRITER, nodeId: name, cache, ...(opts.leaseMs ? { cacheLeaseMs: opts.leaseMs } : {}) });
    const n: Node = { node, cache, loads, async close() { await node.shutdown(); await Promise.allSettled([bus.close(), cache.close(), loads.store.close()]); } };
    cleanup.push(() => n.close());
    return n;
  };
  const [a, b] = await Promise.all([start('node-a'), start('node-b')]);
  return { writer, a, b, prefix };
}

/** Rows from..to-1 of `doc`, one map key each, by one writer. */
async function write(store: Store, tenant: string, doc: string, from: number, to: number): Promise<void> {
  const reqs = Array.from({ length: to - from }, (_, i) => ({ tenant, doc, clientId: `w-${from + i}`, seq: 1, actor: 'writer', update: mapUpdate(`k${from + i}`, from + i) }));
  if (reqs.length > 0) await store.commitBatch(reqs);
}

/** The doc as a replay of every Postgres row: what every room must hold (M1). */
async function replay(store: Store, tenant: string, doc: string): Promise<unknown> {
  const d = new Y.Doc();
  for (const r of await store.loadUpdates(tenant, doc, 0)) Y.applyUpdate(d, r.update);
  return d.getMap('m').toJSON();
}

async function held(n: Node, tenant = 't1', doc = DOC) {
  const room = await n.node.rooms.acquire(tenant, doc);
  return { room, map: room.ydoc.getMap('m').toJSON(), version: room.version, from: room.loadedFrom };
}

const metric = async (n: Node, name: string, labels: string) => {
  const text = await n.node.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('L3: the snapshot cache shared by two nodes', () => {
  it('L3: a cold doc joined on both nodes at once is loaded from Postgres once; the other node starts from Redis plus the rows after it', async () => {
    const { writer, a, b } = await cluster(40);
    const [onA, onB] = await Promise.all([held(a), held(b)]);
    expect(a.loads.docs.length + b.loads.docs.length).toBe(1);
    const expected = await replay(writer, 't1', DOC);
    expect(onA.map).toEqual(expected);
    expect(onB.map).toEqual(expected);
    expect([onA.from, onB.from].sort()).toEqual(['l3', 'store']);
    expect((await metric(a, 'cairn_room_loads_total', 'source="store"')) + (await metric(b, 'cairn_room_loads_total', 'source="store"'))).toBe(1);
    expect((await metric(a, 'cairn_cache_lookups_total', 'level="l3",result="hit"')) + (await metric(b, 'cairn_cache_lookups_total', 'level="l3",result="hit"'))).toBe(1);

    // The doc moves on in Postgres; a node that drops its room loads the snapshot and only the rows after it.
    await write(writer, 't1', DOC, 40, 45);
    const loader = onA.from === 'store' ? b : a;
    await until(async () => (await loader.cache.get('t1', DOC)) !== null, 'the snapshot in L3');
    loader.node.rooms.release((loader === a ? onA : onB).room);
    loader.node.rooms.retire('t1', 'site', null); // drops the warm room (no delete record: only the L2 copy goes)
    const again = await held(loader);
    expect(again.from).toBe('l3');
    expect(again.version).toBe(45);
    expect(again.map).toEqual(await replay(writer, 't1', DOC));
    expect(a.loads.docs.length + b.loads.docs.length).toBe(1);
  });

  it('L3: a holder slower than its lease renews it, and the other node waits for its snapshot instead of loading too', async () => {
    const { writer, a, b } = await cluster(12, { leaseMs: 600 });
    a.loads.hold();
    const onA = held(a);
    await until(() => a.loads.running === 1, 'the load on A under way');
    const onB = held(b);
    await new Promise((r) => setTimeout(r, 1200)); // two lease times: only renewals keep it
    expect(b.loads.docs).toEqual([]);
    a.loads.release();
    const [ra, rb] = await Promise.all([onA, onB]);
    expect([ra.from, rb.from]).toEqual(['store', 'l3']);
    expect(a.loads.docs.length + b.loads.docs.length).toBe(1);
    expect(rb.map).toEqual(await replay(writer, 't1', DOC));
    expect(await metric(b, 'cairn_l3_waits_total', 'outcome="snapshot"')).toBe(1);
  });

  it('L3, M1: a snapshot of another epoch, or ahead of the Postgres head (a restore), is discarded and the doc loads from Postgres', async () => {
    const { writer, a, b } = await cluster(10);
    const poison = new Y.Doc();
    Y.applyUpdate(poison, mapUpdate('poison', true));
    const state = Y.encodeStateAsUpdate(poison);
    const epoch = await writer.epoch();
    await a.cache.put('t1', DOC, { version: 10, epoch: 'an-older-database', state, owners: new Map() });
    const first = await held(a);
    expect(first.from).toBe('store');
    expect(first.map).toEqual(await replay(writer, 't1', DOC));
    expect(await metric(a, 'cairn_l3_discarded_total', 'reason="epoch"')).toBe(1);

    await a.cache.put('t1', DOC, { version: 11, epoch, state, owners: new Map() }); // newer than Postgres' head 10
    const second = await held(b);
    expect(second.from).toBe('store');
    expect(second.map).toEqual(await replay(writer, 't1', DOC));
    expect(second.map).not.toHaveProperty('poison');
    expect(await metric(b, 'cairn_l3_discarded_total', 'reason="ahead"')).toBe(1);
  });

  it('L2: a deleted doc is never served from L3: every node refuses it and its snapshot is forgotten', async () => {
    const { a, b } = await cluster(5);
    const onA = await held(a);
    await until(async () => (await b.cache.get('t1', DOC)) !== null, 'the snapshot in L3');
    a.node.rooms.release(onA.room);
    await a.node.deletions.remove(WRITER, 'site', DOC);
    await expect(b.node.rooms.acquire('t1', DOC)).rejects.toMatchObject({ code: 'DOC_DELETED' });
    await until(async () => (await b.cache.get('t1', DOC)) === null, 'the snapshot forgotten');
    expect(b.loads.docs).toEqual([]);
  });

  it('L3: when the lease holder dies without a snapshot, the waiting node loads from Postgres once the lease expires', async () => {
    const { writer, a } = await cluster(5, { leaseMs: 10_000 });
    const dead = await a.cache.lease('t1', DOC, 800); // a node that took the lease and died
    expect(dead).not.toBeNull();
    const started = performance.now();
    const got = await held(a);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThan(600);
    expect(waited).toBeLessThan(3000);
    expect(got.from).toBe('store');
    expect(got.map).toEqual(await replay(writer, 't1', DOC));
    expect(await metric(a, 'cairn_l3_waits_total', 'outcome="lease_gone"')).toBe(1);
  });

  it('L3: with Redis unreachable for the cache, joins still load from Postgres (L3 is never a dependency)', async () => {
    const proxies = new Map<string, TcpProxy>();
    for (const name of ['node-a', 'node-b']) proxies.set(name, await startTcpProxy(REDIS));
    cleanup.push(async () => { for (const p of proxies.values()) await p.close(); });
    const { writer, a, b } = await cluster(8, { redisUrl: (name) => proxies.get(name)!.url });
    for (const p of proxies.values()) p.cut();
    const started = performance.now();
    const [onA, onB] = await Promise.all([held(a), held(b)]);
    expect(performance.now() - started).toBeLessThan(1500);
    const expected = await replay(writer, 't1', DOC);
    expect(onA.map).toEqual(expected);
    expect(onB.map).toEqual(expected);
    expect([onA.from, onB.from]).toEqual(['store', 'store']);
  });

  it('S5: a doc of the same name in another tenant is never served the first tenant\'s snapshot', async () => {
    const { writer, a, b } = await cluster(6);
    await held(a);
    await until(async () => (await b.cache.get('t1', DOC)) !== null, 'the snapshot in L3');
    await write(writer, 't2', DOC, 100, 102);
    const other = await held(b, 't2', DOC);
    expect(other.from).toBe('store');
    expect(other.map).toEqual(await replay(writer, 't2', DOC));
    expect(other.map).not.toHaveProperty('k0');
  });
});
