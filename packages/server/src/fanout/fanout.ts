/**
 * ⑦ publish and ⑧ deliver. Publishing happens only after COMMIT returned (F1: the commit path calls
 * publish with the version the Store assigned). Presence (awareness) and presence records (P4, poses) of a
 * node's clients travel on the same channel, never stored: each node's room applies the others' and relays
 * them to its sockets; a presence-sync request asks the other nodes to replay the records they hold for
 * their own clients (room/peer-poses.ts). Delivery skips this node's own messages (F3) and hands
 * the rest to the room, which applies them in version order and repairs gaps from the Store (F2). A node
 * never re-publishes what it received.
 *
 * A publish that fails (the bus is down) is kept, up to MAX_UNSENT, and sent again when this node's bus
 * reconnects: otherwise a doc that sees no further commit would leave other nodes behind until their own
 * reconnect. Receivers drop versions they already hold, so a late copy is harmless.
 *
 * Presence records are published at the end of the event-loop turn (turn-end.ts): a doc's records of one
 * turn go as one bus message (kind 5; a lone one as kind 3), in the order they were published. At 30 Hz
 * per device a busy doc otherwise costs one bus round trip per record on every node, this one included
 * (a Redis subscriber gets its own node's messages back and drops them only after reading them).
 */
import type { Bus, BusHandler } from '../bus/bus.js';
import { atTurnEnd } from '../turn-end.js';
import { MAX_BUS_POSES, channelFor, decodeBusMessage, encodeBusMessage, type BusMessage, type PoseEntry, type PoseMessage } from './bus-message.js';

const MAX_UNSENT = 10_000;

export interface FanoutObserver {
  published(ok: boolean): void;
  delivered(message: BusMessage): void;
  dropped(reason: 'own' | 'malformed'): void;
}

export interface Fanout {
  /** `actor`: the CommitRequest's, for the other nodes' Yjs client owners (room/yclient-owners.ts). */
  publish(tenant: string, doc: string, version: number, update: Uint8Array, actor?: string): Promise<void>;
  /** Tells the other nodes a presence (awareness) update of a client of this node. Never kept or retried. */
  publishPresence(tenant: string, doc: string, payload: Uint8Array): void;
  /** Tells the other nodes a presence record (P4) of a client of this node, at the turn's end. Never kept or retried. */
  publishPose(tenant: string, doc: string, pose: Pick<PoseMessage, 'peer' | 'user' | 'record' | 'replay'>): void;
  /** Asks the other nodes to replay the presence records of their clients in the doc (presence-sync). */
  requestPoses(tenant: string, doc: string): void;
  /**
   * Delivers the doc's committed updates to `deliver` and other nodes' presence, presence records and
   * presence-sync requests to `ephemeral`'s handlers. Resolves once
   * the subscription is active, or once it is registered if the bus is down (it becomes active when the bus
   * reconnects); either way with the function that stops it.
   */
  follow(
    tenant: string,
    doc: string,
    deliver: (version: number, update: Uint8Array, actor: string | undefined) => void,
    ephemeral?: FollowHandlers,
  ): Promise<() => Promise<void>>;
  onReconnect(listener: () => void): () => void;
}

export interface FollowHandlers {
  presence?: (payload: Uint8Array) => void;
  pose?: (m: PoseMessage) => void;
  poseSync?: () => void;
}

export function createFanout(opts: { bus: Bus; nodeId: string; observer?: FanoutObserver; onError?: (err: unknown) => void }): Fanout {
  const { bus, nodeId, observer } = opts;
  let unsent: Array<{ channel: string; message: Uint8Array }> = [];
  /** Presence records published this turn, per channel, sent at its end. */
  let poses = new Map<string, { tenant: string; doc: string; poses: PoseEntry[] }>();

  function sendPoses(tenant: string, doc: string, batch: PoseEntry[]): void {
    const message = batch.length === 1
      ? encodeBusMessage({ kind: 'pose', nodeId, tenant, doc, ...batch[0]! })
      : encodeBusMessage({ kind: 'poses', nodeId, tenant, doc, poses: batch });
    void send(channelFor(tenant, doc), message);
  }

  function flushPoses(): void {
    const turn = poses;
    poses = new Map();
    for (const { tenant, doc, poses: batch } of turn.values()) if (batch.length > 0) sendPoses(tenant, doc, batch);
  }

  async function send(channel: string, message: Uint8Array): Promise<boolean> {
    try {
      await bus.publish(channel, message);
      observer?.published(true);
      return true;
    } catch (err) {
      observer?.published(false);
      opts.onError?.(err);
      return false;
    }
  }

  function keep(channel: string, message: Uint8Array): void {
    unsent.push({ channel, message });
    if (unsent.length > MAX_UNSENT) unsent = unsent.slice(-MAX_UNSENT);
  }

  bus.onReconnect(() => {
    const pending = unsent;
    unsent = [];
    void (async () => {
      for (const { channel, message } of pending) if (!(await send(channel, message))) keep(channel, message);
    })();
  });

  return {
    async publish(tenant, doc, version, update, actor) {
      const channel = channelFor(tenant, doc);
      const message = encodeBusMessage({ kind: 'update', nodeId, tenant, doc, version, update, ...(actor === undefined ? {} : { actor }) });
      if (!(await send(channel, message))) keep(channel, message);
    },
    publishPresence(tenant, doc, payload) {
      void send(channelFor(tenant, doc), encodeBusMessage({ kind: 'presence', nodeId, tenant, doc, payload }));
    },
    publishPose(tenant, doc, pose) {
      const channel = channelFor(tenant, doc);
      if (poses.size === 0) atTurnEnd(flushPoses);
      let pending = poses.get(channel);
      if (!pending) poses.set(channel, (pending = { tenant, doc, poses: [] }));
      pending.poses.push({ peer: pose.peer, user: pose.user, record: pose.record, replay: pose.replay });
      if (pending.poses.length >= MAX_BUS_POSES) {
        sendPoses(tenant, doc, pending.poses);
        pending.poses = [];
      }
    },
    requestPoses(tenant, doc) {
      void send(channelFor(tenant, doc), encodeBusMessage({ kind: 'pose-sync', nodeId, tenant, doc }));
    },
    async follow(tenant, doc, deliver, ephemeral = {}) {
      const channel = channelFor(tenant, doc);
      const handler: BusHandler = (bytes) => {
        const m = decodeBusMessage(bytes);
        if (!m || m.tenant !== tenant || m.doc !== doc) return observer?.dropped('malformed');
        if (m.nodeId === nodeId) return observer?.dropped('own');
        observer?.delivered(m);
        if (m.kind === 'update') deliver(m.version, m.update, m.actor);
        else if (m.kind === 'presence') ephemeral.presence?.(m.payload);
        else if (m.kind === 'pose') ephemeral.pose?.(m);
        else if (m.kind === 'poses') for (const p of m.poses) ephemeral.pose?.({ kind: 'pose', nodeId: m.nodeId, tenant, doc, ...p });
        else ephemeral.poseSync?.();
      };
      try {
        await bus.subscribe(channel, handler);
      } catch (err) {
        // The handler stays registered with the bus and becomes active at its reconnect (bus.ts).
        opts.onError?.(err);
      }
      return () => bus.unsubscribe(channel, handler);
    },
    onReconnect: (listener) => bus.onReconnect(listener),
  };
}
