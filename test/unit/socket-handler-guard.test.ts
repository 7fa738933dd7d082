/**
 * S6 (session/socket-guard.ts): an unexpected throw inside a session's socket handler closes THAT socket
 * with INTERNAL (4019), is counted and logged once, and never reaches the caller (for ws: the event emitter,
 * where it would be an uncaught exception and end the process). The node's other sockets go on.
 * The throw comes from a socket whose `send` fails, standing in for a transport bug.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, closeCodeFor, decodeFrame, encodeFrame, type Frame, type SessionSocket } from '@cairn/shared';
import { createMemoryStore } from '@cairn/server';
import { connectRaw } from '../support/raw-client.js';
import { memoryNode } from '../support/memory-node.js';
import { mapUpdate } from '../support/yjs-updates.js';
import { until } from '../support/until.js';

function recordingLog() {
  const lines: string[] = [];
  const push = (_o: object, m: string) => void lines.push(m);
  return { lines, log: { info: push, warn: push, error: push } };
}

describe('socket handler guard', () => {
  it('S6: a throw inside receive closes that socket with 4019 and logs once; the node serves other sockets', async () => {
    const { lines, log } = recordingLog();
    const { node, net } = memoryNode({ store: createMemoryStore(), log });
    const received: Frame[] = [];
    const closes: Array<[number, string]> = [];
    const socket: SessionSocket = {
      send(bytes) {
        const frame = decodeFrame(bytes);
        if (frame.type === 'pong') throw new Error('transport failed');
        received.push(frame);
      },
      close: (code, reason) => void closes.push([code, reason]),
      bufferedAmount: () => 0,
    };
    const handle = node.acceptNative(socket);
    handle.receive(encodeFrame({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'faulty-0001', token: 'writer' }));
    await until(() => received.some((f) => f.type === 'welcome'), 'welcome');

    expect(() => handle.receive(encodeFrame({ type: 'ping', id: 1 }))).not.toThrow();
    expect(() => handle.receive(encodeFrame({ type: 'ping', id: 2 }))).not.toThrow();
    expect(closes).toEqual([[closeCodeFor('INTERNAL'), 'INTERNAL']]);
    expect(lines.filter((l) => l.startsWith('socket handler threw'))).toHaveLength(1);
    expect((await node.metrics.rejected.get()).values.find((v) => v.labels.code === 'INTERNAL')?.value).toBe(1);
    handle.closed(closeCodeFor('INTERNAL'), 'INTERNAL');

    const good = await connectRaw(net.connect);
    good.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'healthy-0001', token: 'writer' });
    good.send({ type: 'sub', doc: 's/guard', stateVector: new Uint8Array() });
    await good.next('sync');
    good.send({ type: 'push', doc: 's/guard', seq: 1, update: mapUpdate('k', 1) });
    await good.next('ack');
    expect(node.sessions).toBe(1);
    await node.shutdown();
  });
});
