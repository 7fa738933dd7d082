/**
 * The client's one presence link (P4): it sits between the connection and the spaces. It knows the
 * current session, which cell docs have had their `sync` on it (a pose is sent only for a doc the server
 * has finished subscribing, or it would be refused), and it hands every `peer-pose` to the space that owns
 * the cell doc, decoded. A space registers an endpoint for its name.
 *
 *   attach(session) ──▶ sync(doc) ──▶ ready(doc): poses go out; the space hears `synced` (resend at once)
 *   detach · unsub(doc) ──▶ not ready: nothing is sent, the local value waits for the next sync
 */
import {
  DEFAULT_LIMITS, cellOfDocId, decodePresenceRecord, type PeerPoseFrame, type PresenceRecord,
} from '@cairn/shared';
import type { Session } from '../socket/connection.js';

const RECORD_LIMITS = { maxPresenceAppStateBytes: DEFAULT_LIMITS.maxPresenceAppStateBytes, maxPresenceDepth: DEFAULT_LIMITS.maxPresenceDepth };

export interface PresenceEndpoint {
  /** The cell's doc got its sync on a (new) session: presence for it can go out now. */
  synced(cell: string): void;
  received(cell: string, peer: string, user: string, record: PresenceRecord): void;
}

export interface PresenceLink {
  attach(session: Session): void;
  detach(session: Session): void;
  /** The server answered this doc's sub with its sync. */
  synced(session: Session, doc: string): void;
  /** The client unsubscribed the doc. */
  unsubscribed(doc: string): void;
  received(frame: PeerPoseFrame, session: Session): void;
  /** Registers a space's endpoint; returns the unregister function. */
  register(space: string, endpoint: PresenceEndpoint): () => void;
  /** True when a pose for the doc can be sent now. */
  ready(doc: string): boolean;
  /** Sends an encoded record; false (and nothing sent) when the doc is not ready. */
  send(doc: string, record: Uint8Array): boolean;
  /** The server's pose rate (0: not stated). */
  readonly maxPosesPerSecond: number;
  /** When a silent peer is gone: the welcome's value, or the default before any welcome. */
  readonly timeoutMs: number;
}

export function createPresenceLink(o: { onError(err: unknown): void }): PresenceLink {
  let session: Session | null = null;
  const ready = new Set<string>();
  const endpoints = new Map<string, PresenceEndpoint>();
  let maxPosesPerSecond = 0;
  let timeoutMs: number = DEFAULT_LIMITS.presenceTimeoutMs;

  return {
    attach(s) {
      session = s;
      ready.clear();
      maxPosesPerSecond = s.maxPosesPerSecond;
      if (s.presenceTimeoutMs > 0) timeoutMs = s.presenceTimeoutMs;
    },
    detach(s) {
      if (s !== session) return;
      session = null;
      ready.clear();
    },
    synced(s, doc) {
      if (s !== session) return;
      ready.add(doc);
      const ref = cellOfDocId(doc);
      if (ref) endpoints.get(ref.space)?.synced(ref.cell);
    },
    unsubscribed(doc) {
      ready.delete(doc);
    },
    received(frame, s) {
      if (s !== session) return;
      const ref = cellOfDocId(frame.doc);
      const endpoint = ref ? endpoints.get(ref.space) : undefined;
      if (!ref || !endpoint) return; // a space closed since it subscribed
      let record: PresenceRecord;
      try {
        record = decodePresenceRecord(frame.record, RECORD_LIMITS);
      } catch (err) {
        o.onError(err);
        return;
      }
      endpoint.received(ref.cell, frame.peer, frame.user, record);
    },
    register(space, endpoint) {
      endpoints.set(space, endpoint);
      return () => {
        if (endpoints.get(space) === endpoint) endpoints.delete(space);
      };
    },
    ready: (doc) => session !== null && session.alive && ready.has(doc),
    send(doc, record) {
      if (!session?.alive || !ready.has(doc)) return false;
      session.send({ type: 'pose', doc, record });
      return true;
    },
    get maxPosesPerSecond() {
      return maxPosesPerSecond;
    },
    get timeoutMs() {
      return timeoutMs;
    },
  };
}
