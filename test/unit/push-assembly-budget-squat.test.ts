/**
 * S7/A3: the node's budget for incomplete fragmented pushes counts the bytes assemblies hold, not the totals
 * they state. Reserved at the first part, a stated total let a few sockets that each sent one small part
 * (and then only pings) hold the whole budget: every honest fragmented push on the node was refused with
 * OVERLOADED, reconnected, and was refused again, for as long as those sockets stayed open.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PushPartFrame } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';

const DOC = 'a/doc';
const KIB = 1024;

async function hello(connect: Parameters<typeof connectRaw>[0], clientId: string): Promise<RawClient> {
  const c = await connectRaw(connect);
  c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
  await c.next('welcome');
  return c;
}

function parts(seq: number, update: Uint8Array, size: number): PushPartFrame[] {
  const out: PushPartFrame[] = [];
  for (let offset = 0; offset < update.byteLength; offset += size) {
    out.push({ type: 'push-part', doc: DOC, seq, total: update.byteLength, offset, bytes: update.subarray(offset, offset + size) });
  }
  return out;
}

describe('push assembly budget', () => {
  it('S7: sockets that state big totals and send one small part do not take the node budget from an honest fragmented push', async () => {
    const store = createMemoryStore();
    const { net } = memoryNode({ store, limits: { maxPayload: 4 * KIB, maxUpdateBytes: 64 * KIB, maxAssemblyBytesPerNode: 96 * KIB } });
    // Two squatters state 47 KiB and more each (the whole 96 KiB budget, reserved at once) and send 1 KiB;
    // then they only ping.
    const squatters = await Promise.all([1, 2].map((i) => hello(net.connect, `squatter-000${i}`)));
    for (const s of squatters) {
      s.send(parts(1, mapUpdate('big', 'x'.repeat(47 * KIB)), KIB)[0]!);
      s.send({ type: 'ping', id: 1 });
      await s.next('pong');
    }
    const honest = await hello(net.connect, 'honest-0001');
    const update = mapUpdate('honest', 'y'.repeat(40 * KIB));
    for (const p of parts(1, update, KIB)) honest.send(p);
    expect(await honest.next('ack')).toMatchObject({ seq: 1 });
    expect(honest.frames.filter((f) => f.type === 'reject')).toEqual([]);
    expect(await store.loadUpdates('t1', DOC, 0)).toHaveLength(1);
    for (const s of squatters) expect(s.isClosed()).toBe(false); // they were within the budget
  });
});
