/**
 * P4/S6: a pose whose record does not decode (unknown flag, truncated, trailing bytes, state not JSON or over
 * maxPresenceAppStateBytes) is INVALID_PRESENCE: the socket is closed with 4029, as for a bad awareness
 * update, and nothing is relayed. The other sockets go on.
 */
import { describe, expect, it } from 'vitest';
import { closeCodeFor, encodePresenceRecord } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { memoryNode } from '../support/memory-node.js';
import { flushed, headRecord, posePeer } from '../support/pose-peers.js';

const utf8 = new TextEncoder();

describe('an invalid presence record', () => {
  const good = headRecord(3, 1);
  const cases: Array<[string, Uint8Array]> = [
    ['an unknown flag', Uint8Array.from([0x40, 1])],
    ['a truncated head pose', good.subarray(0, good.length - 2)],
    ['trailing bytes', Uint8Array.from([...good, 0])],
    ['a state that is not JSON', Uint8Array.from([0x10, 1, 5, ...utf8.encode('{nope')])],
    ['a state over 64 bytes (the configured limit)', encodePresenceRecord({ seq: 1, state: { s: 'x'.repeat(80) } }, { maxPresenceAppStateBytes: 1024, maxPresenceDepth: 16 })],
  ];
  for (const [what, record] of cases) {
    it(`P4: ${what} closes the socket with 4029 INVALID_PRESENCE, nothing relayed`, async () => {
      const { node, net } = memoryNode({ store: createMemoryStore(), limits: { maxPresenceAppStateBytes: 64 } });
      const watcher = await posePeer(net.connect, 'watcher-0000001', { docs: ['s/cell'] });
      const bad = await posePeer(net.connect, 'bad-client-0001', { docs: ['s/cell'] });
      bad.send({ type: 'pose', doc: 's/cell', record });
      expect(await bad.next('reject')).toMatchObject({ code: 'INVALID_PRESENCE', doc: 's/cell' });
      expect((await bad.closed).code).toBe(closeCodeFor('INVALID_PRESENCE'));
      expect(closeCodeFor('INVALID_PRESENCE')).toBe(4029);
      await flushed(watcher, 1);
      // The bad session closed without a valid record: no peer-pose at all, not even a leave.
      expect(watcher.frames.filter((f) => f.type === 'peer-pose')).toEqual([]);
      await node.shutdown();
    });
  }
});
