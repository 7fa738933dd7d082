/**
 * S7/A1: pushes waiting for their doc's room to load count against the node's bound on update bytes that
 * wait for a commit. A push to a doc this node does not hold loads the room first (C4), and concurrent
 * pushes to one doc share that load; the group commit's byte bound (maxQueuedCommitBytes, 64 MiB) only
 * counted pushes that had reached it. While a load was slow, one socket's pushes (2,000 a second, up to
 * 1 MiB each) piled up before it without limit. The same bound now counts them.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor } from '@cairn/shared';
import { createMemoryStore, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapOf, mapUpdate } from '../support/yjs-updates.js';

const KIB = 1024;

/** A memory store whose room loads (loadSnapshot) wait until released. */
function slowLoads() {
  const inner = createMemoryStore();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const store: Store = {
    ...inner,
    kind: inner.kind,
    async loadSnapshot(tenant, doc) {
      await gate;
      return inner.loadSnapshot(tenant, doc);
    },
  };
  return { inner, store, release };
}

describe('bytes of pushes waiting for a room load', () => {
  it('S7: past maxQueuedCommitBytes, pushes waiting for a slow room load are refused with OVERLOADED at once; nothing is acked past the first refused seq (A1)', async () => {
    const { inner, store, release } = slowLoads();
    const { net } = memoryNode({ store, maxQueuedCommitBytes: 256 * KIB, limits: { maxPayload: 128 * KIB } });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'client-0001', token: 'writer' });
    await c.next('welcome');
    // 20 pushes of ~64 KiB (1.25 MiB) to a doc no room holds here; its load waits.
    for (let seq = 1; seq <= 20; seq++) c.send({ type: 'push', doc: 'a/cold', seq, update: mapUpdate(`k${seq}`, 'x'.repeat(64 * KIB)) });
    const refused = await c.next('reject', (r) => r.code === 'OVERLOADED', 2000);
    expect(refused.seq).toBeGreaterThan(1);
    release();
    expect((await c.closed).code).toBe(closeCodeFor('OVERLOADED'));
    const acked = Math.max(0, ...c.frames.flatMap((f) => (f.type === 'ack' ? [f.seq] : [])));
    expect(acked).toBeGreaterThan(0);
    expect(acked).toBeLessThan(refused.seq!);
    // Every acked push is stored (A1); the refused ones stay in the client's outbox for its next session.
    const keys = Object.keys(mapOf(...(await inner.loadUpdates('t1', 'a/cold', 0)).map((r) => r.update)));
    for (let seq = 1; seq <= acked; seq++) expect(keys).toContain(`k${seq}`);
  });
});
