/**
 * The Bus seam: fan-out of committed updates between server nodes. Two implementations (Redis pub/sub via
 * `ioredis`, in-process) run the same contract suite, test/contract/bus.contract.ts.
 *
 * Delivery is at most once and may drop messages (F2): correctness never depends on the bus, only latency.
 */
export type BusHandler = (message: Uint8Array) => void;

export interface Bus {
  readonly kind: 'redis' | 'memory';
  /** Publishes to every subscriber of the channel on every node, this one included. */
  publish(channel: string, message: Uint8Array): Promise<void>;
  /** Resolves once the subscription is active: messages published after that are delivered. */
  subscribe(channel: string, handler: BusHandler): Promise<void>;
  unsubscribe(channel: string, handler: BusHandler): Promise<void>;
  /**
   * Called after the bus lost its connection and got it back. Messages published in between are lost;
   * the listener resyncs whatever it holds from the Store (F2). Returns an unregister function.
   */
  onReconnect(listener: () => void): () => void;
  /** Resolves if the bus is connected now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
