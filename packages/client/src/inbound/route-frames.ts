/**
 * Where each frame from the server goes, one at a time in arrival order (an ack must not overtake the
 * reject of an earlier seq). A live update's replica write is not waited for (apply-remote.ts groups them). Handshake and ping/pong frames never get here: the connection owns them.
 */
import { CairnError, type Frame } from '@cairn/shared';
import type { PresenceLink } from '../presence/presence-link.js';
import type { Settle, Rejection } from '../outbox/settle.js';
import { createSerialQueue } from '../serial-queue.js';
import { rejectionError, type Session } from '../socket/connection.js';
import type { PushLoop } from '../socket/push-loop.js';
import type { RemoteApplier } from './apply-remote.js';
import type { RestoreRepush } from './restore-repush.js';

export interface FrameRouterOptions {
  remote: RemoteApplier;
  /** L3: each sync is applied through it, which pushes again what a restored server lacks. */
  restore: Pick<RestoreRepush, 'synced'>;
  settle: Settle;
  pushLoop: Pick<PushLoop, 'settled'>;
  presence: Pick<PresenceLink, 'synced' | 'received'>;
  onRejected(rejection: Rejection): void;
  /** L2: the server says the doc was deleted (inbound/doc-deletion.ts). */
  onDocDeleted(doc: string, message: string): Promise<void>;
  onError(err: unknown): void;
}

export interface FrameRouter {
  route(frame: Frame, session: Session): void;
  /** Resolves when every frame routed so far is handled. */
  idle(): Promise<void>;
}

export function createFrameRouter(o: FrameRouterOptions): FrameRouter {
  const queue = createSerialQueue();

  async function handle(frame: Frame, session: Session): Promise<void> {
    switch (frame.type) {
      case 'sync':
        // L3 reads the doc's mark and state from the replica: the updates before this one are in it first.
        await o.remote.written();
        await o.restore.synced(frame, session, () => o.remote.apply(frame));
        o.pushLoop.settled(session, frame.doc);
        o.presence.synced(session, frame.doc);
        return;
      case 'update':
        // Not waited for: the write joins the next grouped replica transaction (apply-remote.ts).
        void o.remote.apply(frame);
        return;
      case 'ack':
        return o.settle.ack(frame.seq, session.generation);
      case 'reject':
        // A deletion drops the doc's rows (L2): no queued write of it may land after that.
        await o.remote.written();
        if (frame.seq !== null) {
          await o.settle.reject({ ...frame, seq: frame.seq }, session.generation);
          if (frame.code === 'DOC_DELETED' && frame.doc !== null) await o.onDocDeleted(frame.doc, frame.message);
          return;
        }
        if (frame.doc !== null && frame.code === 'DOC_DELETED') {
          // A refused sub, or a subscription the server ended: the doc will get no sync.
          o.pushLoop.settled(session, frame.doc);
          return o.onDocDeleted(frame.doc, frame.message);
        }
        if (frame.doc !== null) {
          // A refused sub (FORBIDDEN, TOO_MANY_DOCS, …): the doc will get no sync; do not wait for one.
          o.pushLoop.settled(session, frame.doc);
          o.onRejected({ seq: null, doc: frame.doc, code: frame.code, message: frame.message });
          return;
        }
        // A socket-level refusal; the server closes the socket next and the connection reconnects.
        o.onError(rejectionError(frame));
        return;
      case 'peer-pose':
        return o.presence.received(frame, session);
      case 'peer-poses':
        // One turn's records on the server, in the order it relayed them: each is a peer-pose.
        for (const p of frame.poses) o.presence.received({ type: 'peer-pose', ...p }, session);
        return;
      case 'presence':
        return; // awareness (the y-websocket path) is not part of this client
      default:
        o.onError(new CairnError('MALFORMED_FRAME', `the server sent a ${frame.type} frame`));
    }
  }

  return {
    route(frame, session) {
      void queue.run(() => handle(frame, session)).catch(o.onError);
    },
    async idle() {
      await queue.idle();
      await o.remote.written();
    },
  };
}
