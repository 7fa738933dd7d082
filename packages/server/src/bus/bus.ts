/**
 * The Bus seam: fan-out of committed updates between server nodes. Two implementations (Redis pub/sub via
 * `ioredis`, in-process) run the same contract suite, test/contract/bus.contract.ts.
 *
 * Delivery is at most once and may drop messages (F2): correctness never depends on the bus, only latency.
 *
 * The bus delivers every message to every subscriber, the publishing node's own included: recognising and
 * skipping its own messages (F3) is the fan-out layer's job, by the nodeId inside the message.
 */
export type BusHandler = (message: Uint8Array) => void;

export interface Bus {
  readonly kind: 'redis' | 'memory';
  /**
   * Publishes to every subscriber of the channel on every node, this one included. Rejects when the bus is
   * disconnected or closed; it never queues a message for a later reconnect.
   */
  publish(channel: string, message: Uint8Array): Promise<void>;
  /**
   * Resolves once the subscription is active: messages published after that are delivered, in publish order
   * per channel and publisher. A channel may have several handlers; a handler registered twice on one channel
   * is called once. Handlers of one channel share the message bytes and must not modify them; a handler that
   * throws is reported and does not keep the others from running.
   *
   * While the bus is disconnected this rejects, but the handler stays registered and becomes active when the
   * connection comes back (before the onReconnect listeners run), so a caller that tolerates an outage (F2)
   * may ignore the rejection and rely on onReconnect.
   */
  subscribe(channel: string, handler: BusHandler): Promise<void>;
  /** Takes effect at once (the handler is not called again), connected or not; never rejects. */
  unsubscribe(channel: string, handler: BusHandler): Promise<void>;
  /**
   * Called after the bus lost its connection and got it back, once its subscriptions are active again.
   * Messages published in between are lost; the listener resyncs whatever it holds from the Store (F2).
   * Returns an unregister function.
   */
  onReconnect(listener: () => void): () => void;
  /** Resolves if the bus is connected now (for /readyz). */
  ping(): Promise<void>;
  /** Releases every connection and timer; afterwards publish, subscribe and ping reject. */
  close(): Promise<void>;
}
