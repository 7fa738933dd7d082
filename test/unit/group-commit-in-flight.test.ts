/**
 * A2 with two batches at the Store at once (commit/group-commit.ts, maxInFlight): a push that arrives while
 * one batch commits starts its own at once; a third waits for one of them; outcomes settle as their commit
 * returns; a failed batch fails only its own pushes; drain waits for both.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore, type CommitRequest, type Store } from '@cairn/server';
import { createGroupCommit } from '../../packages/server/src/commit/group-commit.js';
import { mapUpdate } from '../support/yjs-updates.js';

/** A Store whose commits each wait for the test to answer them, in any order. */
function gatedStore() {
  const inner = createMemoryStore();
  const calls: Array<{ size: number; answer: (fail?: boolean) => void }> = [];
  const store: Store = {
    ...inner,
    kind: inner.kind,
    commitBatch(requests) {
      return new Promise((resolve, reject) => {
        calls.push({ size: requests.length, answer: (fail) => (fail ? reject(new Error('connection terminated')) : resolve(inner.commitBatch(requests))) });
      });
    },
  };
  return { store, calls };
}

const req = (seq: number, doc = 'd'): CommitRequest => ({ tenant: 't1', doc: `s/${doc}`, clientId: 'c1', seq, actor: 'w', update: mapUpdate(`k${seq}`, seq) });
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('group commit, two batches in flight', () => {
  it('A2: a push during a commit starts a second batch at once; a third queue behind them; each settles when its commit returns', async () => {
    const { store, calls } = gatedStore();
    const group = createGroupCommit({ store, maxInFlight: 2 });
    const order: number[] = [];
    const first = group.submit(req(1, 'a')).then((o) => (order.push(1), o));
    await tick();
    const second = group.submit(req(2, 'b')).then((o) => (order.push(2), o));
    await tick();
    expect(calls.map((c) => c.size)).toEqual([1, 1]);
    const third = group.submit(req(3, 'c')).then((o) => (order.push(3), o));
    const fourth = group.submit(req(4, 'c')).then((o) => (order.push(4), o));
    await tick();
    expect(calls.length).toBe(2); // both slots taken: 3 and 4 wait together
    calls[1]!.answer();
    await tick();
    expect(order).toEqual([2]);
    expect(calls.map((c) => c.size)).toEqual([1, 1, 2]);
    calls[2]!.answer();
    calls[0]!.answer();
    const outcomes = await Promise.all([first, second, third, fourth]);
    expect(outcomes.map((o) => o.kind)).toEqual(['committed', 'committed', 'committed', 'committed']);
    expect(outcomes.map((o) => o.version)).toEqual([1, 1, 1, 2]);
    await group.drain();
  });

  it('A1: a batch that fails rejects only its own pushes (STORE_UNAVAILABLE); the other batch commits; drain waits for both', async () => {
    const { store, calls } = gatedStore();
    const group = createGroupCommit({ store, maxInFlight: 2 });
    const failed = group.submit(req(1)).then(() => 'ok', (e: { code?: string }) => e.code);
    await tick();
    const ok = group.submit(req(2)).then(() => 'ok', (e: { code?: string }) => e.code);
    await tick();
    let drained = false;
    const drain = group.drain().then(() => (drained = true));
    calls[0]!.answer(true);
    await tick();
    expect(drained).toBe(false);
    calls[1]!.answer();
    await drain;
    expect(await failed).toBe('STORE_UNAVAILABLE');
    expect(await ok).toBe('ok');
  });

  it('A2: with maxInFlight 1 (the library default) a push during a commit waits for it', async () => {
    const { store, calls } = gatedStore();
    const group = createGroupCommit({ store });
    const a = group.submit(req(1));
    await tick();
    const b = group.submit(req(2));
    await tick();
    expect(calls.length).toBe(1);
    calls[0]!.answer();
    await a;
    await tick();
    expect(calls.length).toBe(2);
    calls[1]!.answer();
    await b;
  });
});
