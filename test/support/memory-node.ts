/**
 * A server node on in-memory seams for unit tests: memory Store (optionally shared, optionally failing),
 * a memory Bus hub, and an in-memory socket network in front of the node's native acceptor.
 */
import { CairnError, createMemoryNetwork, type MemoryNetwork } from '@cairn/shared';
import { createMemoryBusHub, createMemoryStore, createSyncNode, type MemoryBusHub, type Principal, type Store, type SyncNode, type SyncNodeOptions } from '@cairn/server';

export const WRITER: Principal = { tenant: 't1', subject: 'writer', spaces: { '*': 'rw' } };
export const READER: Principal = { tenant: 't1', subject: 'reader', spaces: { '*': 'r' } };
export const OTHER_TENANT: Principal = { tenant: 't2', subject: 'other', spaces: { '*': 'rw' } };
export const SPACE_A_ONLY: Principal = { tenant: 't1', subject: 'a-only', spaces: { a: 'rw' } };

/** Tokens are just names in unit tests; 'bad' fails like a forged token. */
export async function testVerify(token: string): Promise<Principal> {
  const p = { writer: WRITER, reader: READER, other: OTHER_TENANT, 'a-only': SPACE_A_ONLY }[token];
  if (!p) throw new CairnError('UNAUTHENTICATED', 'unknown test token');
  return p;
}

/** Wraps a Store so a test can make commits fail (a dead database) and see every batch. */
export function controllableStore(inner: Store = createMemoryStore()) {
  const batches: number[] = [];
  let failing = false;
  let gate: Promise<void> | null = null;
  const store: Store = {
    ...inner,
    kind: inner.kind,
    async commitBatch(requests) {
      if (gate) await gate;
      if (failing) throw new Error('connection terminated unexpectedly');
      batches.push(requests.length);
      return inner.commitBatch(requests);
    },
  };
  return {
    store,
    batches,
    fail(on: boolean) {
      failing = on;
    },
    /** Holds every commit until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
  };
}

export interface MemoryNode {
  node: SyncNode;
  net: MemoryNetwork;
}

export function memoryNode(opts: Partial<SyncNodeOptions> & { store: Store; hub?: MemoryBusHub }): MemoryNode {
  const hub = opts.hub ?? createMemoryBusHub();
  const node = createSyncNode({ verify: testVerify, bus: hub.connect(), ...opts });
  return { node, net: createMemoryNetwork(node.acceptNative) };
}
