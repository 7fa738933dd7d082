/**
 * S7: subs are rate-limited per socket (token bucket, `maxSubsPerSecond`, burst max(2x, maxDocsPerSocket)).
 * A resubscribe of maxDocsPerSocket docs at once passes; a socket past its burst gets RATE_LIMITED naming
 * the doc and is drained and closed (the client resubscribes after its backoff), so churning costs it its
 * socket, not the node its Store.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';

async function reader(limits: { maxSubsPerSecond: number; maxDocsPerSocket: number }) {
  const { net } = memoryNode({ store: createMemoryStore(), limits });
  const c = await connectRaw(net.connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'sub-rate-0001', token: 'reader' });
  await c.next('welcome');
  return c;
}

describe('sub rate limit', () => {
  it('S7: a resubscribe of maxDocsPerSocket docs at once is not limited', async () => {
    const c = await reader({ maxSubsPerSecond: 10, maxDocsPerSocket: 64 });
    for (let i = 0; i < 64; i++) c.send({ type: 'sub', doc: `a/doc-${i}`, stateVector: new Uint8Array([0]) });
    for (let i = 0; i < 64; i++) await c.next('sync', (f) => f.doc === `a/doc-${i}`);
    expect(c.frames.some((f) => f.type === 'reject')).toBe(false);
    expect(c.isClosed()).toBe(false);
  });

  it('S7: sub/unsub churn past the burst gets RATE_LIMITED naming the doc, then a close with 4011', async () => {
    const c = await reader({ maxSubsPerSecond: 10, maxDocsPerSocket: 8 });
    for (let i = 0; i < 100; i++) {
      c.send({ type: 'sub', doc: `a/churn-${i}`, stateVector: new Uint8Array([0]) });
      c.send({ type: 'unsub', doc: `a/churn-${i}` });
    }
    // Burst = max(2 x 10, 8) = 20: the 21st sub is the first refused.
    expect(await c.next('reject')).toMatchObject({ code: 'RATE_LIMITED', doc: 'a/churn-20', seq: null });
    expect((await c.closed).code).toBe(closeCodeFor('RATE_LIMITED'));
    expect(c.frames.filter((f) => f.type === 'reject')).toHaveLength(1);
  });
});
