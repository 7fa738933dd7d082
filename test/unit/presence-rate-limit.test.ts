/**
 * P2/S7: presence is rate-limited per socket (token bucket, `maxPresencePerSecond`, burst 2x). What is over
 * the rate is dropped and counted, not refused: the sender stays connected and its next state supersedes.
 */
import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { PROTOCOL_VERSION } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw, type RawClient } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';

function presence(clientID: number, clock: number): Uint8Array {
  const enc = encoding.createEncoder();
  encoding.writeVarUint(enc, 1);
  encoding.writeVarUint(enc, clientID);
  encoding.writeVarUint(enc, clock);
  encoding.writeVarString(enc, JSON.stringify({ clock }));
  return encoding.toUint8Array(enc);
}

describe('presence rate limit', () => {
  it('P2: a socket sending 100 presence frames at once gets at most its burst relayed and stays open', async () => {
    const { node, net } = memoryNode({ store: createMemoryStore(), limits: { maxPresencePerSecond: 5 } });
    const open = async (clientId: string): Promise<RawClient> => {
      const c = await connectRaw(net.connect);
      c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId, token: 'writer' });
      c.send({ type: 'sub', doc: 's/presence', stateVector: new Uint8Array() });
      await c.next('sync');
      return c;
    };
    const peer = await open('peer-000001');
    const chatty = await open('chatty-0001');
    for (let clock = 1; clock <= 100; clock++) chatty.send({ type: 'presence', doc: 's/presence', payload: presence(7, clock) });
    // A ping answered means every presence frame before it was handled.
    chatty.send({ type: 'ping', id: 1 });
    await chatty.next('pong');
    await new Promise((r) => setTimeout(r, 20));
    const relayed = peer.frames.filter((f) => f.type === 'presence').length;
    expect(relayed).toBeGreaterThanOrEqual(1);
    expect(relayed).toBeLessThanOrEqual(11); // burst 10, plus what refilled meanwhile
    expect(chatty.isClosed()).toBe(false);
    expect((await node.metrics.rejected.get()).values.find((v) => v.labels.code === 'RATE_LIMITED')?.value).toBeGreaterThanOrEqual(89);
    await node.shutdown();
  });
});
