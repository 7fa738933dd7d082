/**
 * ⑦ publish and ⑧ deliver. Publishing happens only after COMMIT returned (F1: the commit path calls
 * publish with the version the Store assigned). Delivery skips this node's own messages (F3) and hands
 * the rest to the room, which applies them in version order and repairs gaps from the Store (F2). A node
 * never re-publishes what it received.
 */
import type { Bus, BusHandler } from '../bus/bus.js';
import { channelFor, decodeBusMessage, encodeBusMessage, type BusMessage } from './bus-message.js';

export interface FanoutObserver {
  published(ok: boolean): void;
  delivered(message: BusMessage): void;
  dropped(reason: 'own' | 'malformed'): void;
}

export interface Fanout {
  publish(tenant: string, doc: string, version: number, update: Uint8Array): Promise<void>;
  /** Starts delivering the doc's messages to `deliver`; resolves once the subscription is active. */
  follow(tenant: string, doc: string, deliver: (version: number, update: Uint8Array) => void): Promise<() => Promise<void>>;
  onReconnect(listener: () => void): () => void;
}

export function createFanout(opts: { bus: Bus; nodeId: string; observer?: FanoutObserver; onError?: (err: unknown) => void }): Fanout {
  const { bus, nodeId, observer } = opts;
  return {
    async publish(tenant, doc, version, update) {
      try {
        await bus.publish(channelFor(tenant, doc), encodeBusMessage({ nodeId, tenant, doc, version, update }));
        observer?.published(true);
      } catch (err) {
        // The update is durable; other nodes catch up at their next message or bus reconnect (F2).
        observer?.published(false);
        opts.onError?.(err);
      }
    },
    async follow(tenant, doc, deliver) {
      const channel = channelFor(tenant, doc);
      const handler: BusHandler = (bytes) => {
        const m = decodeBusMessage(bytes);
        if (!m || m.tenant !== tenant || m.doc !== doc) return observer?.dropped('malformed');
        if (m.nodeId === nodeId) return observer?.dropped('own');
        observer?.delivered(m);
        deliver(m.version, m.update);
      };
      await bus.subscribe(channel, handler);
      return () => bus.unsubscribe(channel, handler);
    },
    onReconnect: (listener) => bus.onReconnect(listener),
  };
}
