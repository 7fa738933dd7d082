/**
 * Real clients (memory replicas) of one space on one real sync node (memory Store, memory Bus), every socket
 * and bus delivery scheduled by a seeded world: replicas go offline, edit, and see each other's updates only
 * when the test lets them. Each replica holds the cells it is given, on a clock of its own.
 *
 * `offline: true` starts every replica offline, with the space opened on its own origin (a replica's
 * `origin`, else the common one): each writes that origin to the space's meta doc, as devices that create
 * the same space with no network do (X6), and nothing is synced until the test calls `sync()`.
 */
import * as Y from 'yjs';
import { cellDocId, createMemoryNetwork, type GeoPoint } from '@cairn/shared';
import { createCairnClient, type CairnClient, type Space } from '@cairn/client';
import { createMemoryBusHub, createMemoryStore, createSyncNode, type Store, type SyncNode } from '@cairn/server';
import { testVerify } from './memory-node.js';
import { prng } from './prng.js';
import { createWorld, settle, type World } from '../sim/world.js';

export interface SimReplica {
  client: CairnClient;
  space: Space;
  /** The cell docs it holds, by cell. */
  docs: Map<string, Y.Doc>;
}

export interface SimReplicas {
  world: World;
  store: Store;
  node: SyncNode;
  replicas: SimReplica[];
  /** Everyone online; delivers until every replica is synced and the holders of each cell agree on it. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface SimReplicasOptions {
  seed: number;
  space: string;
  origin: GeoPoint;
  precision: number;
  replicas: { skewMs: number; cells: string[]; origin?: GeoPoint }[];
  offline?: boolean;
}

export async function simReplicas(o: SimReplicasOptions): Promise<SimReplicas> {
  const world = createWorld(prng(o.seed));
  const store = createMemoryStore();
  const hub = createMemoryBusHub({ deliver: world.busDeliver, onError: () => undefined });
  const node = createSyncNode({ store, bus: hub.connect(), verify: testVerify, nodeId: 'n0' });
  const net = createMemoryNetwork(node.acceptNative, world.socketDeliver('n0'));
  const replicas: SimReplica[] = o.replicas.map(({ skewMs, origin }) => {
    const client = createCairnClient({
      url: 'mem://sim', token: 'writer', persistence: 'memory', socket: (url) => net.connect(url), broadcastChannel: null,
      networkEvents: null, timers: world.timers, now: () => 1_700_000_000_000 + skewMs + world.now(), random: world.rng.next, heartbeatMs: 1e9,
    });
    if (o.offline) client.goOffline();
    return { client, space: client.space(o.space, { origin: origin ?? o.origin, precision: o.precision }), docs: new Map() };
  });
  const cells = [...new Set(o.replicas.flatMap((r) => r.cells))];
  const sync = async () => {
    for (const r of replicas) r.client.goOnline();
    for (let i = 0; i < 5_000; i++) {
      const moved = world.deliverSocket() || world.deliverBus({ drop: 0, dup: 0 }) === 'delivered';
      await settle(2);
      if (moved) continue;
      const synced = replicas.every((r) => r.client.status.state === 'synced' && r.client.status.pending === 0);
      const agree = cells.every((c) => new Set(replicas.filter((r) => r.docs.has(c)).map((r) => Buffer.from(Y.encodeStateVector(r.docs.get(c)!)).toString('hex'))).size <= 1);
      if (synced && agree) return;
      world.advance(100);
    }
    throw new Error('replicas did not converge');
  };
  if (!o.offline) await sync(); // meta docs written once synced
  for (const [i, r] of replicas.entries()) {
    await r.space.openCells(o.replicas[i]!.cells);
    for (const c of o.replicas[i]!.cells) r.docs.set(c, await r.client.open(cellDocId(o.space, c)));
  }
  if (!o.offline) await sync();
  return {
    world, store, node, replicas, sync,
    async close() {
      for (const r of replicas) await r.client.destroy();
      await node.shutdown();
    },
  };
}
