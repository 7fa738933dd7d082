/**
 * Helpers for the client's unit tests: a fresh fake IndexedDB per test, manual timers for virtual time,
 * a seeded PRNG, an in-process BroadcastChannel hub, and `until()` to wait for a condition.
 */
import * as Y from 'yjs';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createCairnClient, type CairnClient, type CairnClientOptions, type TabPort, type TabPortFactory, type Timers } from '@cairn/client';
import type { FakeServer } from './fake-server.js';

let dbCounter = 0;

/** An isolated fake IndexedDB (each test gets its own unless two clients must share one). */
export function freshIndexedDB(): { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange; dbName: string } {
  return { indexedDB: new IDBFactory(), IDBKeyRange, dbName: `cairn-test-${++dbCounter}` };
}

/** A client on the fake server; tab sharing and browser network events off unless given. */
export function clientOn(server: FakeServer, options: Partial<CairnClientOptions> = {}): CairnClient {
  return createCairnClient({
    url: 'mem://fake',
    socket: server.connect,
    broadcastChannel: null,
    networkEvents: null,
    ...freshIndexedDB(),
    ...options,
  });
}

/** Polls `cond` on real timers until it holds; throws with `what` after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets queued microtasks and a few macrotasks run (in-memory sockets deliver on microtasks). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export interface ManualTimers extends Timers {
  /** Virtual milliseconds elapsed. */
  readonly now: number;
  /** Delays of the timers pending now, in due order. */
  pending(): number[];
  /** Moves virtual time forward, running every timer that falls due (also ones scheduled meanwhile). */
  advance(ms: number): void;
}

export function createManualTimers(): ManualTimers {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; fn: () => void }>();
  const due = () => [...timers].sort(([ia, a], [ib, b]) => a.at - b.at || ia - ib);
  return {
    get now() {
      return now;
    },
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => due().map(([, t]) => t.ms),
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const next = due()[0];
        if (!next || next[1].at > target) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = target;
    },
  };
}

/** mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The test's seed: SEED from the environment, or a fresh one; printed so a failure can be replayed. */
export function testSeed(name: string): number {
  const seed = process.env['SEED'] ? Number(process.env['SEED']) : Math.floor(Math.random() * 2 ** 31);
  console.log(`${name}: SEED=${seed}`);
  return seed;
}

/** An in-process BroadcastChannel: every port of a name gets the others' messages (not its own). */
export function createChannelHub(): TabPortFactory {
  const ports = new Map<string, Set<TabPort>>();
  return (name) => {
    const peers = ports.get(name) ?? new Set<TabPort>();
    ports.set(name, peers);
    const port: TabPort = {
      onmessage: null,
      postMessage(message) {
        const copy = structuredClone(message);
        for (const p of peers) if (p !== port) queueMicrotask(() => p.onmessage?.({ data: copy }));
      },
      close: () => peers.delete(port),
    };
    peers.add(port);
    return port;
  };
}

/** The map `m` of a doc as a plain object. */
export const mapOf = (doc: Y.Doc) => doc.getMap('m').toJSON();

/** The update that sets `m[key] = value` in a doc of its own (a write by some other client). */
export function foreignUpdate(key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('m').set(key, value);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
