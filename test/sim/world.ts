/**
 * A deterministic world for the convergence simulation: virtual time, a timer heap, per-connection FIFO
 * socket queues (TCP keeps order within a connection, not across them) and a bag of bus deliveries that
 * may be reordered, duplicated or dropped. Every choice comes from one seeded PRNG.
 */
import type { Timers } from '@cairn/client';
import type { Prng } from '../support/prng.js';

interface Timer {
  at: number;
  order: number;
  fn: () => void;
  cancelled: boolean;
}

export function createWorld(rng: Prng) {
  let time = 0;
  let order = 0;
  const timers: Timer[] = [];
  const sockets = new Map<string, Array<() => void>>();
  const bus: Array<() => void> = [];

  const virtualTimers: Timers = {
    setTimeout(fn, ms) {
      const t: Timer = { at: time + Math.max(0, ms), order: order++, fn, cancelled: false };
      timers.push(t);
      return t;
    },
    clearTimeout(handle) {
      if (handle) (handle as Timer).cancelled = true;
    },
  };

  return {
    rng,
    timers: virtualTimers,
    now: () => time,
    /** A socket delivery scheduler for createMemoryNetwork: FIFO per connection and direction. */
    socketDeliver(prefix: string) {
      return (direction: 'up' | 'down', run: () => void, connection: number) => {
        const key = `${prefix}:${connection}:${direction}`;
        let q = sockets.get(key);
        if (!q) sockets.set(key, (q = []));
        q.push(run);
      };
    },
    busDeliver: (run: () => void) => {
      bus.push(run);
    },
    pendingSockets: () => [...sockets.values()].reduce((n, q) => n + q.length, 0),
    pendingBus: () => bus.length,
    /** Delivers the head of one random non-empty connection queue. */
    deliverSocket(): boolean {
      const queues = [...sockets.values()].filter((q) => q.length > 0);
      if (queues.length === 0) return false;
      rng.pick(queues).shift()!();
      return true;
    },
    /** Delivers (or, with the given odds, drops or duplicates) one random bus message. */
    deliverBus(odds: { drop: number; dup: number }): 'delivered' | 'dropped' | 'none' {
      if (bus.length === 0) return 'none';
      const i = rng.int(bus.length);
      const run = bus[i]!;
      if (rng.chance(odds.dup)) run();
      else bus.splice(i, 1);
      if (rng.chance(odds.drop)) return 'dropped';
      run();
      return 'delivered';
    },
    /** Moves virtual time forward by ms, firing due timers in order. */
    advance(ms: number): void {
      const until = time + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers.find((t) => !t.cancelled);
        if (!next || next.at > until) break;
        timers.splice(timers.indexOf(next), 1);
        time = next.at;
        next.fn();
      }
      for (let i = timers.length - 1; i >= 0; i--) if (timers[i]!.cancelled) timers.splice(i, 1);
      time = until;
    },
  };
}

export type World = ReturnType<typeof createWorld>;

/** Lets promise chains (store commits, client replica writes) run to rest between simulated events. */
export async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
