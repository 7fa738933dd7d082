/**
 * The presence records (P4) of one native session: its `pose` frames in, the room's `peer-pose` frames out.
 *
 *   pose {doc, record} ─► protocol ≥ 3? ─no─► MALFORMED_FRAME, close
 *                        subscribed to doc? ─no─► reject FORBIDDEN (the socket goes on)
 *                        within maxPosesPerSecond (burst 2x)? ─no─► dropped, counted (RATE_LIMITED)
 *                        record decodes and is within limits? ─no─► INVALID_PRESENCE, close 4029
 *                        ─► room.poses.local: cached, relayed to the doc's other protocol-3 subscribers, bus
 *
 * Records relayed to the session within one event-loop turn leave together at the turn's end, as one
 * `peer-poses` frame (one `peer-pose` if the turn brought one): pose-batch.ts. Any other frame the session
 * sends meanwhile sends the batch first, so the socket sees frames in the order they were produced.
 *
 * The relayed frame names the session's clientId as `peer` (bound to its principal, C5) and the principal's
 * subject as `user`: whatever the record holds, a client speaks only for itself (S1). When the session leaves
 * a doc it posed in (unsub, close) the room sends a leave for it (peer-poses.ts); a client's own leave record
 * (it moved to another cell) ends that. A joiner gets the room's cached records right after its `sync`.
 *
 * Outbound, a peer-pose is dropped rather than queued once the socket is half way to its buffer limit: the
 * next record (at most presenceKeepaliveMs later) supersedes it, and a slow reader is closed by the updates
 * it does not read, not by poses.
 */
import { PROTOCOL_VERSION, decodePresenceRecord, isCairnError, type ErrorCode, type PresenceRecord } from '@cairn/shared';
import type { Room, RoomSubscriber } from '../room/room.js';
import type { SessionContext } from './context.js';
import { createTokenBucket } from './rate-limit.js';
import { createPoseBatch } from './pose-batch.js';

/** Poses (and their frames) arrive first in 3.0. */
export const POSE_PROTOCOL_VERSION = 3;

export interface PosePath {
  /** The room subscriber's `pose` for doc `doc`: undefined for a session that does not take poses. */
  receiver(doc: string): RoomSubscriber['pose'];
  onPose(doc: string, record: Uint8Array): void;
  /** After the sync answer for `room`: the room's cached records, so a joiner sees every peer at once. */
  joined(room: Room, sub: RoomSubscriber): void;
  /** The session leaves the room's doc (unsub, close). */
  left(room: Room, sub: RoomSubscriber): void;
  /** Sends the records batched so far, before another frame of the session: frames keep their order. */
  flush(): void;
}

export interface PosePathOptions {
  ctx: Pick<SessionContext, 'limits' | 'metrics'>;
  /** The session after welcome: hello's protocol version, its clientId (bound, C5), its principal's subject. */
  identity(): { version: number; clientId: string; user: string };
  /** The session's subscription to `doc`, once its room is loaded. */
  held(doc: string): { room: Room; sub: RoomSubscriber } | null;
  /** Sends at once (not through the session's own send, which flushes this path's batch first). */
  sendEncoded(bytes: Uint8Array): void;
  backlog(): number;
  reject(code: ErrorCode, extra: { doc?: string; message?: string }): void;
  fail(code: ErrorCode, message?: string, extra?: { doc?: string }): void;
}

export function createPosePath(opts: PosePathOptions): PosePath {
  const { limits, metrics } = opts.ctx;
  const bucket = createTokenBucket(limits.maxPosesPerSecond);
  const recordLimits = { maxPresenceAppStateBytes: limits.maxPresenceAppStateBytes, maxPresenceDepth: limits.maxPresenceDepth };
  /** Docs this session sent a record in since it joined them (or since its own leave there). */
  const posed = new Set<string>();
  // What the room relays to this socket in one turn leaves as one message at the turn's end (pose-batch.ts).
  const batch = createPoseBatch((bytes) => opts.sendEncoded(bytes));

  function deliver(doc: string, peer: string, user: string, record: Uint8Array): void {
    if (peer === opts.identity().clientId) return; // its own, from another socket of the same client
    if (opts.backlog() + batch.pendingBytes > limits.maxBufferedBytes / 2) return void metrics.posesDropped.inc({ reason: 'slow_reader' });
    batch.add(doc, peer, user, record);
    metrics.posesRelayed.inc();
  }

  return {
    receiver(doc) {
      if (opts.identity().version < POSE_PROTOCOL_VERSION) return undefined;
      return (peer, user, record) => deliver(doc, peer, user, record);
    },
    onPose(doc, record) {
      const { version, clientId, user } = opts.identity();
      if (version < POSE_PROTOCOL_VERSION) return opts.fail('MALFORMED_FRAME', `pose needs protocol ${POSE_PROTOCOL_VERSION} (this session speaks ${version}; the server ${PROTOCOL_VERSION})`);
      const held = opts.held(doc);
      if (!held) return opts.reject('FORBIDDEN', { doc, message: 'a pose needs a subscription to the doc' });
      // Over the rate, a record is dropped, not refused: the next one supersedes it (P2).
      if (!bucket.take()) {
        metrics.rejected.inc({ code: 'RATE_LIMITED' });
        return void metrics.posesDropped.inc({ reason: 'rate_limited' });
      }
      let decoded: PresenceRecord;
      try {
        decoded = decodePresenceRecord(record, recordLimits);
      } catch (err) {
        return opts.fail(isCairnError(err) ? err.code : 'INVALID_PRESENCE', undefined, { doc });
      }
      if (decoded.leave) posed.delete(doc);
      else posed.add(doc);
      held.room.poses.local(held.sub, clientId, user, record, decoded);
    },
    joined(room, sub) {
      if (!sub.pose) return;
      for (const r of room.poses.cached()) sub.pose(r.peer, r.user, r.record);
    },
    left(room, sub) {
      if (!posed.delete(room.doc)) return;
      const { clientId, user } = opts.identity();
      room.poses.leave(sub, clientId, user);
    },
    flush: () => batch.flush(),
  };
}
