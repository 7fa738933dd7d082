/**
 * The in-process Bus: one hub stands for the Redis server, and each `hub.connect()` is one simulated node's
 * connection to it. With `REDIS_URL` unset the server runs as a single node on `createMemoryBus()`;
 * simulations connect many nodes to one hub and take control of delivery:
 *
 * - `deliver(run)` schedules each delivery (one per message and receiving node). The default runs it on a
 *   microtask, which keeps every channel in publish order. A seeded scheduler may delay or reorder.
 * - `filter(channel, message, from, to)` returning false drops that delivery, as Redis may (F2).
 * - `disconnect(bus)` / `reconnect(bus)` cut a node off and bring it back, as a lost Redis connection does:
 *
 *   connected ──disconnect──▶ disconnected ──reconnect──▶ connected (+ onReconnect listeners, scheduled)
 *
 *   While disconnected the node receives nothing, not even what was published before the cut and not yet
 *   delivered, and its publish, ping and subscribe reject. Its handlers stay registered (a subscribe that
 *   rejected included) and are active again as soon as it reconnects.
 */
import type { Bus, BusHandler } from './bus.js';
import { createHandlerRegistry, reportToConsole, type BusErrorReporter, type HandlerRegistry } from './handler-registry.js';

export type BusScheduler = (run: () => void) => void;
export type BusFilter = (channel: string, message: Uint8Array, from: Bus, to: Bus) => boolean;

export interface MemoryBusHubOptions {
  deliver?: BusScheduler;
  filter?: BusFilter;
  /** Gets what a handler or reconnect listener threw; the default logs it. */
  onError?: BusErrorReporter;
}

export interface MemoryBusHub {
  /** A new node's bus, connected. */
  connect(): Bus;
  disconnect(bus: Bus): void;
  reconnect(bus: Bus): void;
  /** The buses connected to the hub now (not closed, not disconnected). */
  connected(): Bus[];
}

interface Node {
  bus: Bus;
  registry: HandlerRegistry;
  connected: boolean;
  closed: boolean;
  /** Bumped by every cut and reconnect: a delivery scheduled in an earlier epoch is void. */
  epoch: number;
}

const microtask: BusScheduler = (run) => queueMicrotask(run);

export function createMemoryBusHub(opts: MemoryBusHubOptions = {}): MemoryBusHub {
  const deliver = opts.deliver ?? microtask;
  const report = opts.onError ?? reportToConsole;
  const nodes = new Map<Bus, Node>();

  function nodeOf(bus: Bus): Node {
    const node = nodes.get(bus);
    if (!node) throw new Error('this bus is not connected to this hub, or it was closed');
    return node;
  }

  function unavailable(node: Node): Error | null {
    if (node.closed) return new Error('bus is closed');
    if (!node.connected) return new Error('bus is disconnected');
    return null;
  }

  function fanOut(from: Node, channel: string, message: Uint8Array): void {
    for (const to of nodes.values()) {
      if (!to.connected) continue;
      // Who is subscribed is fixed at publish time, as on a Redis server.
      const handlers = to.registry.handlersOf(channel);
      if (handlers.length === 0) continue;
      if (opts.filter && !opts.filter(channel, message, from.bus, to.bus)) continue;
      const epoch = to.epoch;
      // Each node gets its own bytes, as from Redis (and Buffer#slice would not copy).
      const copy = new Uint8Array(message);
      deliver(() => {
        if (to.epoch === epoch) to.registry.dispatch(channel, copy, handlers);
      });
    }
  }

  function connect(): Bus {
    const registry = createHandlerRegistry(report);
    const bus: Bus = {
      kind: 'memory',
      publish(channel, message) {
        const err = unavailable(node);
        if (err) return Promise.reject(err);
        fanOut(node, channel, message);
        return Promise.resolve();
      },
      subscribe(channel, handler: BusHandler) {
        if (node.closed) return Promise.reject(new Error('bus is closed'));
        registry.add(channel, handler);
        const err = unavailable(node);
        return err ? Promise.reject(err) : Promise.resolve();
      },
      unsubscribe(channel, handler) {
        registry.remove(channel, handler);
        return Promise.resolve();
      },
      onReconnect: (listener) => registry.onReconnect(listener),
      ping() {
        const err = unavailable(node);
        return err ? Promise.reject(err) : Promise.resolve();
      },
      close() {
        if (!node.closed) {
          node.closed = true;
          node.connected = false;
          node.epoch += 1;
          registry.clear();
          nodes.delete(bus);
        }
        return Promise.resolve();
      },
    };
    const node: Node = { bus, registry, connected: true, closed: false, epoch: 0 };
    nodes.set(bus, node);
    return bus;
  }

  return {
    connect,
    disconnect(bus) {
      const node = nodeOf(bus);
      if (!node.connected) return;
      node.connected = false;
      node.epoch += 1;
    },
    reconnect(bus) {
      const node = nodeOf(bus);
      if (node.connected) return;
      node.connected = true;
      const epoch = (node.epoch += 1);
      deliver(() => {
        if (node.epoch === epoch) node.registry.fireReconnect();
      });
    },
    connected: () => [...nodes.values()].filter((n) => n.connected).map((n) => n.bus),
  };
}

/** The single-node bus (`REDIS_URL` unset): a hub with one connection. */
export function createMemoryBus(opts: Omit<MemoryBusHubOptions, 'filter'> = {}): Bus {
  return createMemoryBusHub(opts).connect();
}
