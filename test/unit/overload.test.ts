/**
 * Load shedding (commit/group-commit.ts): past maxQueuedCommits waiting pushes or maxQueuedCommitBytes
 * waiting update bytes, a push is refused at once with OVERLOADED (retryable). The session drains as for any retryable failure: pushes already queued are
 * committed and acked, the refused ones are never stored, and the socket closes with 4012 so the client
 * reconnects after its backoff and resends what it still holds.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, type Frame } from '@cairn/shared';
import { connectRaw } from '../support/raw-client.js';
import { controllableStore, memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

/** A node whose commits wait until `release()`, and a writer session on it, welcomed. */
async function heldWriter(limits: { maxQueuedCommits?: number; maxQueuedCommitBytes?: number }, clientId: string) {
  const ctl = controllableStore();
  const { net } = memoryNode({ store: ctl.store, ...limits });
  const c = await connectRaw(net.connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  await c.next('welcome');
  return { ctl, c, release: ctl.hold() };
}

describe('overload', () => {
  it('past maxQueuedCommits a push gets OVERLOADED, retryable; what was queued is committed and acked, nothing refused is stored', async () => {
    const { ctl, c, release } = await heldWriter({ maxQueuedCommits: 4 }, 'writer-0001');
    for (let seq = 1; seq <= 12; seq++) {
      c.send({ type: 'push', doc: 'a/doc', seq, update: mapUpdate(`k${seq}`, seq) });
      await new Promise((r) => setTimeout(r, 2)); // each push its own turn: the first one starts the held batch
    }
    const refused = await c.next('reject');
    expect(refused).toMatchObject({ code: 'OVERLOADED' });
    const firstRefused = (refused as Extract<Frame, { type: 'reject' }>).seq!;
    // One push in the held batch, four queued behind it: the sixth is the first one refused.
    expect(firstRefused).toBe(6);
    release();
    expect((await c.closed).code).toBe(closeCodeFor('OVERLOADED'));
    const acks = c.frames.filter((f) => f.type === 'ack').map((f) => (f as Extract<Frame, { type: 'ack' }>).seq);
    expect(Math.max(...acks)).toBe(5); // never past the refused seq (A1)
    await until(async () => (await ctl.store.headVersion('t1', 'a/doc')) === 5, 'five commits');
    const stored = await ctl.store.loadUpdates('t1', 'a/doc', 0);
    expect(stored).toHaveLength(5);
    expect(c.frames.filter((f) => f.type === 'reject').every((f) => (f as Extract<Frame, { type: 'reject' }>).seq! >= 6)).toBe(true);
  });

  it('past maxQueuedCommitBytes of waiting updates a push gets OVERLOADED; a small push that fits is still taken', async () => {
    const { ctl, c, release } = await heldWriter({ maxQueuedCommitBytes: 3000 }, 'writer-0002');
    c.send({ type: 'push', doc: 'a/doc', seq: 1, update: mapUpdate('first', 1) }); // starts the held batch
    await new Promise((r) => setTimeout(r, 5));
    c.send({ type: 'push', doc: 'a/doc', seq: 2, update: mapUpdate('big', 'x'.repeat(2000)) }); // ~2 KB waits
    await new Promise((r) => setTimeout(r, 5));
    c.send({ type: 'push', doc: 'a/doc', seq: 3, update: mapUpdate('big2', 'y'.repeat(2000)) }); // past 3,000 bytes
    expect(await c.next('reject')).toMatchObject({ code: 'OVERLOADED', seq: 3 });
    release();
    expect((await c.closed).code).toBe(closeCodeFor('OVERLOADED'));
    await until(async () => (await ctl.store.headVersion('t1', 'a/doc')) === 2, 'two commits');
    expect((await ctl.store.loadUpdates('t1', 'a/doc', 0)).map((r) => r.version)).toEqual([1, 2]);
  });
});
