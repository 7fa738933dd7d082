/**
 * The read model never stands in the ack path (A1): its failures are logged, counted and retried, and
 * its work on one doc runs one pass at a time, coalescing the commits that arrive meanwhile.
 */
import { describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { PROTOCOL_VERSION, cellDocId, newAnchorId } from '@cairn/shared';
import { createMemoryStore, createReadModelUpdater, type AnchorStore, type Store } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { until } from '../support/until.js';
import { anchorReplica, expectedView, readModelView } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELL = 'u09tvw0';
const DOC = cellDocId(SPACE, CELL);
const NOW = Date.UTC(2030, 0, 1);

function withAnchors(inner: Store, patch: Partial<AnchorStore>): Store {
  return { ...inner, anchors: { ...inner.anchors, ...patch } };
}

/** The value of a counter or gauge without labels. */
async function metric(registry: Registry, name: string): Promise<number> {
  const m = registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  return (await m.get()).values[0]?.value ?? 0;
}

describe('read model failures and ordering', () => {
  it('A1: a read model that cannot write never delays or fails an ack; the failure is counted and the doc waits for a retry', async () => {
    const inner = createMemoryStore();
    const store = withAnchors(inner, { applyCell: () => Promise.reject(new Error('connection terminated unexpectedly')) });
    const { node, net } = memoryNode({ store });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-0001', token: 'writer' });
    await c.next('welcome');
    const r = anchorReplica('r1');
    const updates = [...r.create(SPACE, CELL, newAnchorId(), [1, 0, 0]), ...r.create(SPACE, CELL, newAnchorId(), [2, 0, 0])];
    updates.forEach((u, i) => c.send({ type: 'push', doc: u.doc, seq: i + 1, update: u.update }));
    expect((await c.next('ack', (a) => a.seq === 2)).seq).toBe(2);
    expect(c.frames.filter((f) => f.type === 'reject')).toEqual([]);
    await node.readModel.idle();
    expect(await inner.headVersion('t1', DOC)).toBe(2);
    expect(await metric(node.metrics.registry, 'cairn_readmodel_failures_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(node.metrics.registry, 'cairn_readmodel_docs_retrying')).toBe(1);
    expect(await inner.anchors.appliedVersion('t1', DOC)).toBe(0);
    await node.shutdown();
  });

  it('a failed update is retried with backoff until it lands, then the lag of the commit is observed', async () => {
    const inner = createMemoryStore();
    let failuresLeft = 2;
    const store = withAnchors(inner, {
      applyCell: (change) => (failuresLeft-- > 0 ? Promise.reject(new Error('deadlock detected')) : inner.anchors.applyCell(change)),
    });
    const events: string[] = [];
    const updater = createReadModelUpdater({
      store, retryBaseMs: 5, retryMaxMs: 20,
      observer: { lag: () => events.push('lag'), failed: () => events.push('failed'), retrying: (n) => events.push(`retrying ${n}`) },
    });
    const r = anchorReplica('r1');
    const id = newAnchorId();
    const [u] = r.create(SPACE, CELL, id, [1, 2, 3]);
    const [outcome] = await inner.commitBatch([{ tenant: 't1', doc: DOC, clientId: 'writer-0001', seq: 1, actor: 'w', update: u!.update }]);
    updater.committed('t1', DOC, outcome!.version);
    await until(() => events.includes('lag'), 'the retried update to land');
    expect(events.filter((e) => e === 'failed')).toHaveLength(2);
    expect(events.at(-1)).toBe('lag');
    expect(await readModelView(inner, 't1', SPACE, NOW)).toEqual(await expectedView(inner, 't1', SPACE, [DOC], NOW));
    expect((await readModelView(inner, 't1', SPACE, NOW)).map((x) => x.anchor.id)).toEqual([id]);
    await updater.close();
  });

  it('one doc is updated one pass at a time, in version order, and commits arriving meanwhile share the next pass', async () => {
    const inner = createMemoryStore();
    let inFlight = 0;
    let maxInFlight = 0;
    const versions: number[] = [];
    let release: (() => void) | null = null;
    const store = withAnchors(inner, {
      async applyCell(change) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        versions.push(change.version);
        if (versions.length === 1) await new Promise<void>((r) => (release = r)); // hold the first pass
        try {
          return await inner.anchors.applyCell(change);
        } finally {
          inFlight--;
        }
      },
    });
    const { node, net } = memoryNode({ store });
    const c = await connectRaw(net.connect);
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'writer-0001', token: 'writer' });
    await c.next('welcome');
    const r = anchorReplica('r1');
    const id = newAnchorId();
    const first = r.create(SPACE, CELL, id, [0, 0, 0]);
    c.send({ type: 'push', doc: DOC, seq: 1, update: first[0]!.update });
    await c.next('ack', (a) => a.seq === 1);
    await until(() => release !== null, 'the first pass to reach the store');
    for (let i = 1; i <= 10; i++) c.send({ type: 'push', doc: DOC, seq: i + 1, update: r.move(SPACE, id, CELL, [i, 0, 0])[0]!.update });
    await c.next('ack', (a) => a.seq === 11);
    release!();
    await node.readModel.idle();
    expect(maxInFlight).toBe(1);
    expect(versions).toEqual([1, 11]);
    expect((await readModelView(inner, 't1', SPACE, NOW)).map((x) => x.anchor.pose.p)).toEqual([[10, 0, 0]]);
  });
});
