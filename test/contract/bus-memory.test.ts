import { describe, expect, it } from 'vitest';
import { createMemoryBus, createMemoryBusHub, type BusScheduler } from '../../packages/server/src/bus/memory-bus.js';
import type { Bus } from '../../packages/server/src/bus/bus.js';
import { collector, describeBusContract } from './bus.contract.js';

describeBusContract('memory', async () => {
  const hub = createMemoryBusHub();
  const a = hub.connect();
  const b = hub.connect();
  return {
    a,
    b,
    cut: async (bus) => hub.disconnect(bus),
    restore: async (bus) => hub.reconnect(bus),
    drop: async (bus) => {
      hub.disconnect(bus);
      hub.reconnect(bus);
    },
    connections: async () => hub.connected().length,
    dispose: async () => { await Promise.all([a.close(), b.close()]); },
  };
});

const text = (s: string) => new TextEncoder().encode(s);

/** A scheduler that holds deliveries until the test runs them, in the order it chooses. */
function manualScheduler() {
  const queue: Array<() => void> = [];
  const deliver: BusScheduler = (run) => { queue.push(run); };
  return { deliver, queue, runAll: (order: 'fifo' | 'lifo' = 'fifo') => {
    const runs = queue.splice(0);
    for (const run of order === 'fifo' ? runs : runs.reverse()) run();
  } };
}

describe('memory bus hub (simulation controls)', () => {
  it('F2: a filter drops chosen deliveries and sees channel, message, sender and receiver', async () => {
    const seen: Array<[string, string, Bus, Bus]> = [];
    const hub = createMemoryBusHub({
      filter: (channel, message, from, to) => {
        seen.push([channel, new TextDecoder().decode(message), from, to]);
        return to === from; // drop everything that crosses nodes
      },
    });
    const a = hub.connect();
    const b = hub.connect();
    const atA = collector();
    const atB = collector();
    await a.subscribe('c', atA.handler);
    await b.subscribe('c', atB.handler);
    await a.publish('c', text('m'));
    await atA.receive(1, 'A');
    expect(atB.got).toEqual([]);
    expect(seen).toContainEqual(['c', 'm', a, b]);
    expect(seen).toContainEqual(['c', 'm', a, a]);
  });

  it('M2: the scheduler decides when and in which order deliveries run', async () => {
    const sched = manualScheduler();
    const hub = createMemoryBusHub({ deliver: sched.deliver });
    const a = hub.connect();
    const b = hub.connect();
    const atB = collector();
    await b.subscribe('c', atB.handler);
    await a.publish('c', text('1'));
    await a.publish('c', text('2'));
    expect(atB.got).toEqual([]);
    sched.runAll('lifo');
    expect(atB.texts()).toEqual(['2', '1']);
  });

  it('F2: a delivery still in flight when its receiver is cut off is lost, even after it reconnects', async () => {
    const sched = manualScheduler();
    const hub = createMemoryBusHub({ deliver: sched.deliver });
    const a = hub.connect();
    const b = hub.connect();
    const atB = collector();
    await b.subscribe('c', atB.handler);
    await a.publish('c', text('in flight'));
    hub.disconnect(b);
    hub.reconnect(b);
    let reconnected = 0;
    b.onReconnect(() => { reconnected += 1; });
    sched.runAll();
    expect(atB.got).toEqual([]);
    expect(reconnected).toBe(1);
    expect(hub.connected()).toEqual([a, b]);
  });

  it('F2: messages published while a node is disconnected never reach it', async () => {
    const hub = createMemoryBusHub();
    const a = hub.connect();
    const b = hub.connect();
    const atB = collector();
    await b.subscribe('c', atB.handler);
    hub.disconnect(b);
    expect(hub.connected()).toEqual([a]);
    await a.publish('c', text('lost'));
    hub.reconnect(b);
    await a.publish('c', text('kept'));
    await atB.receive(1, 'B');
    expect(atB.texts()).toEqual(['kept']);
  });

  it('a throwing handler is reported and the other handlers still run', async () => {
    const errors: unknown[] = [];
    const bus = createMemoryBus({ onError: (err) => errors.push(err) });
    const ok = collector();
    await bus.subscribe('c', () => { throw new Error('handler bug'); });
    await bus.subscribe('c', ok.handler);
    await bus.publish('c', text('m'));
    await ok.receive(1, 'the healthy handler');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('handler bug');
  });

  it('gives each receiver its own copy of the bytes', async () => {
    const hub = createMemoryBusHub();
    const a = hub.connect();
    const b = hub.connect();
    const atB = collector();
    await b.subscribe('c', atB.handler);
    const message = text('abc');
    await a.publish('c', message);
    message[0] = 0x7a;
    await atB.receive(1, 'B');
    expect(atB.texts()).toEqual(['abc']);
  });
});
