/**
 * M1/M2: N real clients × M real server nodes (rooms, group commit, fan-out, sessions) on in-memory seams,
 * under seeded random delivery order, bus drops (each followed, as with Redis, by that node's reconnect
 * and resync) and duplicates, network cuts, offline spells and reconnect backoff on virtual time. After
 * healing, every replica, every node's room and a doc rebuilt from the Store rows must be identical.
 *
 * 200 seeds run in CI; `SEED=n` runs one, `SIM_SEEDS=k` runs k. A failure names its seed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryNetwork, type MemoryNetwork } from '@cairn/shared';
import { createCairnClient, type CairnClient } from '@cairn/client';
import { createMemoryBusHub, createMemoryStore, createSyncNode, type Bus, type SyncNode } from '@cairn/server';
import { testVerify } from '../support/memory-node.js';
import { prng } from '../support/prng.js';
import { createWorld, settle, type World } from './world.js';

const DOCS = ['a/doc', 'a/doc2'];
const seeds = process.env.SEED ? [Number(process.env.SEED)] : Array.from({ length: Number(process.env.SIM_SEEDS ?? 200) }, (_, i) => i + 1);

function edit(world: World, doc: Y.Doc): void {
  const r = world.rng;
  switch (r.int(4)) {
    case 0:
      doc.getMap('m').set(`k${r.int(8)}`, r.int(1000));
      break;
    case 1: {
      const t = doc.getText('t');
      t.insert(r.int(t.length + 1), String.fromCharCode(97 + r.int(26)));
      break;
    }
    case 2: {
      const t = doc.getText('t');
      if (t.length > 0) t.delete(r.int(t.length), 1);
      break;
    }
    default:
      doc.getArray('a').push([r.int(100)]);
  }
}

/** The content of the types the simulation edits (a rebuilt doc only knows types once they are read). */
function contentOf(doc: Y.Doc) {
  return { m: doc.getMap('m').toJSON(), t: doc.getText('t').toString(), a: doc.getArray('a').toJSON() };
}

async function run(seed: number): Promise<void> {
  const world = createWorld(prng(seed));
  const r = world.rng;
  const store = createMemoryStore();
  const hub = createMemoryBusHub({ deliver: world.busDeliver, onError: () => undefined });
  const M = 2 + r.int(2);
  const N = 2 + r.int(3);
  const nodes: Array<{ node: SyncNode; net: MemoryNetwork; bus: Bus }> = [];
  for (let i = 0; i < M; i++) {
    const bus = hub.connect();
    const node = createSyncNode({ store, bus, verify: testVerify, nodeId: `n${i}`, maxBatch: 1 + r.int(16) });
    nodes.push({ node, bus, net: createMemoryNetwork(node.acceptNative, world.socketDeliver(`n${i}`)) });
  }
  const clients: CairnClient[] = [];
  const docs: Y.Doc[][] = [];
  for (let i = 0; i < N; i++) {
    const client = createCairnClient({
      url: 'mem://sim',
      token: 'writer',
      dbName: `sim-${seed}-${i}`,
      persistence: 'memory',
      // Each connect picks a node at random: a reconnect may land elsewhere (C1 across nodes).
      socket: (url) => r.pick(nodes).net.connect(url),
      timers: world.timers,
      random: r.next,
      now: world.now,
      broadcastChannel: null,
      networkEvents: null,
      heartbeatMs: 5000,
    });
    clients.push(client);
    docs.push(await Promise.all(DOCS.map((d) => client.open(d))));
  }
  const needsResync = new Set<Bus>();
  const stats = { cuts: 0, drops: 0, offline: 0 };

  for (let step = 0; step < 160; step++) {
    const roll = r.next();
    if (roll < 0.35) edit(world, r.pick(r.pick(docs)));
    else if (roll < 0.7) world.deliverSocket();
    else if (roll < 0.82) {
      if (world.deliverBus({ drop: 0.1, dup: 0.1 }) === 'dropped') {
        stats.drops++;
        needsResync.add(r.pick(nodes).bus);
      }
    } else if (roll < 0.86) {
      stats.cuts++;
      r.pick(nodes).net.cutAll();
    }
    else if (roll < 0.89) {
      const c = r.pick(clients);
      if (r.chance(0.5)) {
        stats.offline++;
        c.goOffline();
      } else c.goOnline();
    } else if (roll < 0.92 && needsResync.size > 0) {
      // Redis drops only on a lost connection; the node then reconnects and resyncs (F2).
      const bus = r.pick([...needsResync]);
      needsResync.delete(bus);
      hub.disconnect(bus);
      hub.reconnect(bus);
    } else world.advance(r.int(3000));
    await settle();
  }

  // Heal: everyone online, every lost bus connection back, then run until quiet.
  for (const c of clients) c.goOnline();
  for (const bus of needsResync) {
    hub.disconnect(bus);
    hub.reconnect(bus);
  }
  // Quiet = nothing left to deliver and every client synced with an empty outbox. Time only moves when
  // nothing is in flight, so heartbeats cannot keep the world busy forever.
  let quiet = false;
  for (let i = 0; i < 20_000 && !quiet; i++) {
    const moved = world.deliverSocket() || world.deliverBus({ drop: 0, dup: 0 }) === 'delivered';
    if (!moved) {
      quiet = clients.every((c) => c.status.state === 'synced' && c.status.pending === 0);
      if (!quiet) world.advance(1000);
    }
    await settle(2);
  }
  const statuses = clients.map((c) => `${c.status.state}/${c.status.pending}`).join(' ');
  expect(quiet, `seed ${seed}: did not settle (${statuses})`).toBe(true);


  for (const [d, docId] of DOCS.entries()) {
    const rebuilt = new Y.Doc();
    for (const row of await store.loadUpdates('t1', docId, 0)) Y.applyUpdate(rebuilt, row.update);
    const expected = contentOf(rebuilt);
    const expectedSv = Array.from(Y.encodeStateVector(rebuilt));
    for (const [i, replica] of docs.entries()) {
      expect(contentOf(replica[d]!), `seed ${seed}: client ${i} ${docId} content`).toEqual(expected);
      expect(Array.from(Y.encodeStateVector(replica[d]!)), `seed ${seed}: client ${i} ${docId} state vector`).toEqual(expectedSv);
    }
    for (const { node } of nodes) {
      const room = node.rooms.peek('t1', docId);
      if (!room) continue;
      expect(contentOf(room.ydoc), `seed ${seed}: node ${node.nodeId} ${docId}`).toEqual(expected);
      expect(room.version, `seed ${seed}: node ${node.nodeId} version`).toBe(await store.headVersion('t1', docId));
    }
  }
  if (process.env.SIM_VERBOSE) {
    const rows = await Promise.all(DOCS.map((d) => store.headVersion('t1', d)));
    console.log(`seed ${seed}: ${M} nodes, ${N} clients, versions ${rows.join('/')}, ${stats.cuts} cuts, ${stats.drops} bus drops, ${stats.offline} offline spells`);
  }
  for (const c of clients) await c.destroy();
  for (const { node } of nodes) await node.shutdown();
}

describe('convergence simulation', () => {
  it.each(seeds)('M1/M2: seed %i converges', async (seed) => {
    try {
      await run(seed);
    } catch (err) {
      console.error(`convergence simulation failed: reproduce with SEED=${seed} npx vitest run test/sim`);
      throw err;
    }
  });
});
