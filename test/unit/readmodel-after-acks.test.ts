/**
 * The read model goes after the acks: a pass waits until the commit path has no write in flight (bounded,
 * CommitPath.quiet), since it shares the Store and the process with the commits that acks wait for, and a
 * burst's commits then pile up into fewer passes. It is delayed, never skipped.
 */
import { describe, expect, it } from 'vitest';
import { cellDocId, newAnchorId } from '@cairn/shared';
import { createMemoryStore, createReadModelUpdater } from '@cairn/server';
import { anchorReplica, readModelView } from '../support/readmodel-writer.js';

const SPACE = 'site';
const CELL = 'u09tvw0';
const DOC = cellDocId(SPACE, CELL);

const turns = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the read model yields to the ack path', () => {
  it('a pass waits for quiet(), then applies every version committed meanwhile in one go', async () => {
    const store = createMemoryStore();
    const r = anchorReplica('r1');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let asked = 0;
    const readModel = createReadModelUpdater({ store, quiet: () => (asked++, gate) });
    const ids = [newAnchorId(), newAnchorId(), newAnchorId()];
    for (const [i, id] of ids.entries()) {
      const [u] = r.create(SPACE, CELL, id, [i, 0, 0]);
      const [outcome] = await store.commitBatch([{ tenant: 't1', doc: DOC, clientId: 'writer-0001', seq: i + 1, actor: 'writer', update: u!.update }]);
      expect(outcome).toEqual({ kind: 'committed', version: i + 1 });
      readModel.committed('t1', DOC, i + 1);
    }
    await turns(50);
    expect(asked).toBe(1); // one run per doc: the later commits only raised its goal
    expect(await store.anchors.appliedVersion('t1', DOC)).toBe(0);

    open();
    await readModel.idle();
    expect(await store.anchors.appliedVersion('t1', DOC)).toBe(3);
    const held = await readModelView(store, 't1', SPACE, Date.now());
    expect(held.map((a) => a.anchor.id).sort()).toEqual([...ids].sort());
    await readModel.close();
  });
});
