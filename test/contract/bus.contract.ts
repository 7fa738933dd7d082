/**
 * The Bus contract (packages/server/src/bus/bus.ts): every implementation runs these cases with two nodes
 * that share one message space. The bus delivers to every subscriber, the publisher's own node included;
 * skipping one's own messages (F3) is the fan-out layer's job, so a case here checks that the bus does NOT
 * skip them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusHandler } from '../../packages/server/src/bus/bus.js';

export interface BusNodes {
  a: Bus;
  b: Bus;
  /** Cuts the node off until restore(): it receives nothing; its publish, ping and subscribe reject. */
  cut(bus: Bus): Promise<void>;
  restore(bus: Bus): Promise<void>;
  /** Kills the node's connection once, as a Redis restart would; it comes back without help. */
  drop(bus: Bus): Promise<void>;
  /** How many connections of these two nodes the other side (Redis, the hub) still holds. */
  connections(): Promise<number>;
  /** Closes the buses (if a case did not) and whatever else the harness opened. */
  dispose(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (s: string) => enc.encode(s);

export async function until(cond: () => boolean, label: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function collector() {
  const got: Uint8Array[] = [];
  const handler: BusHandler = (m) => { got.push(m); };
  return {
    got,
    handler,
    texts: () => got.map((m) => dec.decode(m)),
    receive: (n: number, label: string) => until(() => got.length >= n, `${n} message(s) on ${label}`),
  };
}

/** Resolves the next time the bus's onReconnect listeners run. */
function nextReconnect(bus: Bus): { wait: () => Promise<void> } {
  let fired = false;
  const off = bus.onReconnect(() => { fired = true; off(); });
  return { wait: () => until(() => fired, 'onReconnect') };
}

/** A seeded xorshift32, so the random payload of a failing run can be replayed with SEED=. */
function randomBytes(seed: number, n: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Sockets and servers open in this process, by kind. A bus that leaked a connection would add one. */
function openHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'TCPServerWrap') counts[r] = (counts[r] ?? 0) + 1;
  }
  return counts;
}

/** Timers, reconnect timers included (the test runner keeps a few of its own). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

const sameHandles = (x: Record<string, number>, y: Record<string, number>) => JSON.stringify(x) === JSON.stringify(y);

/** The handle counts once the previous case's closing sockets have left the list. */
async function settledHandles(): Promise<Record<string, number>> {
  let last = openHandles();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = openHandles();
    if (sameHandles(now, last)) return now;
    last = now;
  }
  return last;
}

export function describeBusContract(name: string, makeTwoNodes: () => Promise<BusNodes>): void {
  describe(`Bus contract: ${name}`, () => {
    let nodes: BusNodes | undefined;
    const open = async () => (nodes = await makeTwoNodes());
    afterEach(async () => {
      await nodes?.dispose();
      nodes = undefined;
    });

    it("F3: a message from node A reaches node B's subscriber and A's own (the bus skips no one)", async () => {
      const { a, b } = await open();
      const atA = collector();
      const atB = collector();
      await a.subscribe('doc', atA.handler);
      await b.subscribe('doc', atB.handler);
      await a.publish('doc', text('hello'));
      await atA.receive(1, 'A');
      await atB.receive(1, 'B');
      expect(atA.texts()).toEqual(['hello']);
      expect(atB.texts()).toEqual(['hello']);
    });

    const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
    it(`delivers bytes exactly: every byte value, empty, 256 KiB (SEED=${seed})`, async () => {
      const { a, b } = await open();
      const payloads = [Uint8Array.from({ length: 256 }, (_, i) => i), new Uint8Array(0), randomBytes(seed, 256 * 1024)];
      const atB = collector();
      await b.subscribe('bytes', atB.handler);
      for (const p of payloads) await a.publish('bytes', p);
      await atB.receive(payloads.length, 'B');
      expect(atB.got).toHaveLength(payloads.length);
      atB.got.forEach((m, i) => {
        expect(Object.getPrototypeOf(m)).toBe(Uint8Array.prototype);
        expect(m).toEqual(payloads[i]);
      });
    });

    it('keeps publish order per channel for one publisher, even when publishes are not awaited one by one', async () => {
      const { a, b } = await open();
      const atB = collector();
      await b.subscribe('order', atB.handler);
      const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
      await Promise.all(sent.map((m) => a.publish('order', text(m))));
      await atB.receive(sent.length, 'B');
      expect(atB.texts()).toEqual(sent);
    });

    it('unsubscribe stops delivery at once, and the channel can be subscribed again', async () => {
      const { a, b } = await open();
      const first = collector();
      const second = collector();
      await b.subscribe('c', first.handler);
      await a.publish('c', text('before'));
      await first.receive(1, 'first handler');
      await b.unsubscribe('c', first.handler);
      await a.publish('c', text('while unsubscribed'));
      await b.subscribe('c', second.handler);
      await a.publish('c', text('after'));
      await second.receive(1, 'second handler');
      // 'while unsubscribed' went out before 'after' on the same channel: had it been delivered, it would be here.
      expect(first.texts()).toEqual(['before']);
      expect(second.texts()).toEqual(['after']);
    });

    it('calls every handler of a channel; removing one keeps the others', async () => {
      const { a, b } = await open();
      const h1 = collector();
      const h2 = collector();
      await b.subscribe('shared', h1.handler);
      await b.subscribe('shared', h2.handler);
      await a.publish('shared', text('one'));
      await h1.receive(1, 'h1');
      await h2.receive(1, 'h2');
      await b.unsubscribe('shared', h1.handler);
      await a.publish('shared', text('two'));
      await h2.receive(2, 'h2');
      expect(h1.texts()).toEqual(['one']);
      expect(h2.texts()).toEqual(['one', 'two']);
    });

    it('calls a handler subscribed twice to one channel once per message; one unsubscribe removes it', async () => {
      const { a, b } = await open();
      const h = collector();
      const marker = collector();
      await b.subscribe('twice', h.handler);
      await b.subscribe('twice', h.handler);
      await b.subscribe('twice', marker.handler);
      await a.publish('twice', text('x'));
      await marker.receive(1, 'marker');
      await b.unsubscribe('twice', h.handler);
      await a.publish('twice', text('y'));
      await marker.receive(2, 'marker');
      expect(h.texts()).toEqual(['x']);
    });

    it('keeps channels apart', async () => {
      const { a, b } = await open();
      const c1 = collector();
      const c2 = collector();
      await b.subscribe('tenant-1/space/doc', c1.handler);
      await b.subscribe('tenant-2/space/doc', c2.handler);
      await a.publish('tenant-1/space/doc', text('for 1'));
      await a.publish('tenant-2/space/doc', text('for 2'));
      await a.publish('tenant-1/space/doc', text('end 1'));
      await a.publish('tenant-2/space/doc', text('end 2'));
      await c1.receive(2, 'channel 1');
      await c2.receive(2, 'channel 2');
      expect(c1.texts()).toEqual(['for 1', 'end 1']);
      expect(c2.texts()).toEqual(['for 2', 'end 2']);
    });

    it('F2: after its connection drops, onReconnect fires with the subscriptions active again', async () => {
      const { a, b, drop } = await open();
      const atB = collector();
      await b.subscribe('doc', atB.handler);
      const reconnect = nextReconnect(b);
      let removedCalls = 0;
      const off = b.onReconnect(() => { removedCalls += 1; });
      off();
      await drop(b);
      await reconnect.wait();
      // No settling delay: the contract is that delivery works as soon as the listeners run.
      await a.publish('doc', text('after reconnect'));
      await atB.receive(1, 'B after reconnect');
      expect(atB.texts()).toEqual(['after reconnect']);
      expect(removedCalls).toBe(0);
    });

    it('F2: a node cut off receives nothing and its publish, ping and subscribe reject; restored, it works again', async () => {
      const { a, b, cut, restore } = await open();
      const old = collector();
      const added = collector();
      await b.subscribe('doc', old.handler);
      await cut(b);
      await a.publish('doc', text('lost'));
      await expect(b.publish('doc', text('from b'))).rejects.toThrow();
      await expect(b.ping()).rejects.toThrow();
      await expect(b.subscribe('added', added.handler)).rejects.toThrow();
      const reconnect = nextReconnect(b);
      await restore(b);
      await reconnect.wait();
      await a.publish('doc', text('back'));
      await a.publish('added', text('added while cut'));
      await old.receive(1, 'the old subscription');
      await added.receive(1, 'the subscription made while cut');
      expect(old.texts()).toEqual(['back']);
      expect(added.texts()).toEqual(['added while cut']);
      // The publishing side reconnects on its own schedule; ping tells when it is back.
      await waitForPing(b);
      await b.publish('doc', text('from b again'));
      await old.receive(2, 'B hearing itself');
      expect(old.texts()).toEqual(['back', 'from b again']);
    });

    it('ping resolves while connected', async () => {
      const { a, b } = await open();
      await expect(a.ping()).resolves.toBeUndefined();
      await expect(b.ping()).resolves.toBeUndefined();
    });

    it('close releases every connection and timer; afterwards publish, subscribe and ping reject', async () => {
      const before = await settledHandles();
      const timersBefore = timers();
      const { a, b, connections, dispose } = await open();
      expect(await connections()).toBeGreaterThan(0);
      const h = collector();
      await a.subscribe('doc', h.handler);
      await b.publish('doc', text('x'));
      await h.receive(1, 'A');
      await a.close();
      await b.close();
      await a.close();
      expect(await connections()).toBe(0);
      await expect(a.publish('doc', text('y'))).rejects.toThrow();
      await expect(a.subscribe('doc', h.handler)).rejects.toThrow();
      await expect(b.ping()).rejects.toThrow();
      await dispose();
      nodes = undefined;
      // Ended sockets leave the handle list on a later turn of the event loop; give them that turn.
      await until(() => sameHandles(openHandles(), before), 'handles to be released', 2000).catch(() => undefined);
      expect(openHandles()).toEqual(before);
      expect(timers()).toBeLessThanOrEqual(timersBefore);
    });
  });
}

async function waitForPing(bus: Bus): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await bus.ping().then(() => true, () => false))) {
    if (Date.now() > deadline) throw new Error('gave up waiting for ping to resolve');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
