/**
 * Where each frame from the server goes, one at a time in arrival order (an ack must not overtake the
 * reject of an earlier seq). Handshake and ping/pong frames never get here: the connection owns them.
 */
import { CairnError, type Frame } from '@cairn/shared';
import type { PresenceLink } from '../presence/presence-link.js';
import type { Settle, Rejection } from '../outbox/settle.js';
import { createSerialQueue } from '../serial-queue.js';
import { rejectionError, type Session } from '../socket/connection.js';
import type { PushLoop } from '../socket/push-loop.js';
import type { RemoteUpdate } from './apply-remote.js';
import type { RestoreRepush } from './restore-repush.js';

export interface FrameRouterOptions {
  applyRemote(update: RemoteUpdate): Promise<void>;
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
        await o.restore.synced(frame, session, () => o.applyRemote(frame));
        o.pushLoop.settled(session, frame.doc);
        o.presence.synced(session, frame.doc);
        return;
      case 'update':
        return o.applyRemote(frame);
      case 'ack':
        return o.settle.ack(frame.seq, session.generation);
      case 'reject':
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
    idle: () => queue.idle(),
  };
}
