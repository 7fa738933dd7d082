/**
 * What one Bus holds on behalf of its callers, whatever carries the messages: the handlers per channel and
 * the reconnect listeners. Both implementations (memory-bus.ts, redis-bus.ts) keep their callers' state
 * here so that they agree on the parts of the contract that have nothing to do with transport: a handler is
 * registered at most once per channel, unsubscribing takes effect at once, and one throwing handler or
 * listener never keeps the others from running.
 */
import type { BusHandler } from './bus.js';

/** Where a bus reports errors it cannot hand back to a caller (a handler threw, a connection failed). */
export type BusErrorReporter = (err: unknown) => void;

export const reportToConsole: BusErrorReporter = (err) => console.error('[cairn bus]', err);

export interface HandlerRegistry {
  /** Adds the handler; true if the channel had no handler before (the transport must subscribe). */
  add(channel: string, handler: BusHandler): boolean;
  /** Removes the handler; true if the channel has no handler left (the transport may unsubscribe). */
  remove(channel: string, handler: BusHandler): boolean;
  has(channel: string, handler: BusHandler): boolean;
  /** The channel's handlers now, as a copy: a handler may (un)subscribe while a message is dispatched. */
  handlersOf(channel: string): BusHandler[];
  channels(): string[];
  /** Calls each handler that is still registered when its turn comes. */
  dispatch(channel: string, message: Uint8Array, handlers?: readonly BusHandler[]): void;
  onReconnect(listener: () => void): () => void;
  fireReconnect(): void;
  clear(): void;
}

export function createHandlerRegistry(report: BusErrorReporter): HandlerRegistry {
  const byChannel = new Map<string, Set<BusHandler>>();
  const listeners = new Set<() => void>();

  const has = (channel: string, handler: BusHandler) => byChannel.get(channel)?.has(handler) ?? false;

  return {
    add(channel, handler) {
      let set = byChannel.get(channel);
      const first = set === undefined;
      if (!set) byChannel.set(channel, (set = new Set()));
      set.add(handler);
      return first;
    },
    remove(channel, handler) {
      const set = byChannel.get(channel);
      if (!set?.delete(handler)) return false;
      if (set.size > 0) return false;
      byChannel.delete(channel);
      return true;
    },
    has,
    handlersOf: (channel) => [...(byChannel.get(channel) ?? [])],
    channels: () => [...byChannel.keys()],
    dispatch(channel, message, handlers) {
      for (const handler of handlers ?? [...(byChannel.get(channel) ?? [])]) {
        if (!has(channel, handler)) continue;
        try {
          handler(message);
        } catch (err) {
          report(err);
        }
      }
    },
    onReconnect(listener) {
      // A wrapper per registration, so registering one function twice needs two unregisters.
      const entry = () => listener();
      listeners.add(entry);
      return () => { listeners.delete(entry); };
    },
    fireReconnect() {
      for (const listener of [...listeners]) {
        if (!listeners.has(listener)) continue;
        try {
          listener();
        } catch (err) {
          report(err);
        }
      }
    },
    clear() {
      byChannel.clear();
      listeners.clear();
    },
  };
}
