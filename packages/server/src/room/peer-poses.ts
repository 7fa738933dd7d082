/**
 * The presence records (P4) of one room: relay and the joiner cache. A record from a session of this node
 * goes, bytes unchanged, to the room's other subscribers that take poses (native protocol 3 sessions: only
 * they have a `pose` method) and to the other nodes; one from another node goes to every subscriber here,
 * never back to the bus. Identity (`peer`, `user`) always comes from the sending session, never the record.
 *
 * Per peer seen within `timeoutMs`, the room keeps its latest record with a head, hand or ray ("pose") and
 * its latest record carrying app state ("state"): a joiner gets both, oldest seq first, so that a receiver
 * that drops a record not newer than the last one it saw (P4 rule 5) still takes the state. An entry goes
 * on a leave or after `timeoutMs` with no record (checked lazily: when read and while records arrive).
 *
 *   local record ──► cache (owner = its session) ──► other subscribers ──► bus (replay: false)
 *   bus record   ──► cache (owner = none)        ──► every subscriber
 *   bus replay   ──► cache only if newer than the slot ──► every subscriber, only if it was kept
 *   presence-sync request ──► replay the entries this node owns to the bus (replay: true)
 *
 * A session that leaves (unsub, close) sends a leave for its peer only if the entry is still its own: a
 * client that reconnected (on this node or another) before its old socket closed keeps its presence.
 */
import { decodePresenceRecord, leaveRecordBytes, type PresenceRecord, type PresenceRecordLimits } from '@cairn/shared';

/** A room subscriber that takes presence records (a native session of protocol 3 or later). */
export interface PoseReceiver {
  pose?(peer: string, user: string, record: Uint8Array): void;
}

export interface PoseRelay {
  peer: string;
  user: string;
  record: Uint8Array;
}

interface Slot {
  seq: number;
  record: Uint8Array;
}

interface Entry {
  user: string;
  /** The session of this node that sent the peer's latest record; null when it came from another node. */
  owner: PoseReceiver | null;
  at: number;
  pose: Slot | null;
  state: Slot | null;
}

export interface PeerPoses {
  /** A record a session of this node sent (already decoded and checked by the session). */
  local(from: PoseReceiver, peer: string, user: string, record: Uint8Array, decoded: PresenceRecord): void;
  /** The session that posed as `peer` left the doc: a leave for the room and the bus, if the peer is still its own. */
  leave(from: PoseReceiver, peer: string, user: string): void;
  /** A record another node published; `replay` for an answer to a presence-sync request. */
  remote(relay: PoseRelay & { replay: boolean }): void;
  /** What a joiner gets: each live peer's cached records, oldest seq first. */
  cached(): PoseRelay[];
  /** Answers another node's presence-sync request: this node's own peers' records, replayed on the bus. */
  replay(): void;
  readonly size: number;
  clear(): void;
}

export interface PeerPosesOptions {
  subscribers: ReadonlySet<PoseReceiver>;
  timeoutMs: number;
  /** Checks records from other nodes as a session checks its client's. */
  limits: PresenceRecordLimits;
  publish?: (relay: PoseRelay & { replay: boolean }) => void;
  onError?: (err: unknown) => void;
  now?: () => number;
}

const hasPose = (r: PresenceRecord) => r.head !== undefined || r.left !== undefined || r.right !== undefined || r.ray !== undefined;

export function createPeerPoses(opts: PeerPosesOptions): PeerPoses {
  const { subscribers, timeoutMs } = opts;
  const now = opts.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  let pruned = now();

  function prune(): void {
    const t = now();
    pruned = t;
    for (const [peer, e] of entries) if (t - e.at > timeoutMs) entries.delete(peer);
  }

  function relay(except: PoseReceiver | null, peer: string, user: string, record: Uint8Array): void {
    for (const sub of subscribers) {
      if (sub === except || !sub.pose) continue;
      try {
        sub.pose(peer, user, record);
      } catch (err) {
        opts.onError?.(err); // one subscriber's failure reaches no other (S6)
      }
    }
  }

  /** Puts a record into its peer's entry; a replay only fills a slot that is empty or older. False if nothing changed. */
  function keep(peer: string, user: string, owner: PoseReceiver | null, record: Uint8Array, r: PresenceRecord, replay: boolean): boolean {
    if (now() - pruned > timeoutMs) prune();
    let e = entries.get(peer);
    if (!e) entries.set(peer, (e = { user, owner, at: now(), pose: null, state: null }));
    const slot: Slot = { seq: r.seq, record };
    const newer = (old: Slot | null) => !replay || !old || old.seq < r.seq;
    let kept = false;
    if (hasPose(r) && newer(e.pose)) {
      e.pose = slot;
      kept = true;
    }
    if (r.state !== undefined && newer(e.state)) {
      e.state = slot;
      kept = true;
    }
    if (!replay || kept) {
      e.at = now();
      e.user = user;
      e.owner = owner;
    }
    return !replay || kept;
  }

  /** Each live peer's cached records, oldest seq first; only those `only` admits. */
  function cachedOf(only: (e: Entry) => boolean = () => true): PoseRelay[] {
    prune();
    const out: PoseRelay[] = [];
    for (const [peer, e] of entries) {
      if (!only(e)) continue;
      const slots = [e.state, e.pose].filter((s): s is Slot => s !== null).sort((a, b) => a.seq - b.seq);
      if (slots.length === 2 && slots[0]!.record === slots[1]!.record) slots.pop();
      for (const s of slots) out.push({ peer, user: e.user, record: s.record });
    }
    return out;
  }

  return {
    local(from, peer, user, record, decoded) {
      if (decoded.leave) entries.delete(peer);
      else keep(peer, user, from, record, decoded, false);
      relay(from, peer, user, record);
      opts.publish?.({ peer, user, record, replay: false });
    },
    leave(from, peer, user) {
      const e = entries.get(peer);
      if (e && e.owner !== from) return;
      entries.delete(peer);
      const record = leaveRecordBytes();
      relay(from, peer, user, record);
      opts.publish?.({ peer, user, record, replay: false });
    },
    remote({ peer, user, record, replay }) {
      let r: PresenceRecord;
      try {
        r = decodePresenceRecord(record, opts.limits);
      } catch (err) {
        return opts.onError?.(err); // another node's bytes: dropped, never thrown into the bus
      }
      if (r.leave) {
        if (replay) return; // replays carry records, never leaves
        entries.delete(peer);
      } else if (!keep(peer, user, null, record, r, replay)) {
        return; // a replay this room already has something newer for: its subscribers have seen it
      }
      relay(null, peer, user, record);
    },
    cached: () => cachedOf(),
    replay() {
      const publish = opts.publish;
      if (publish) for (const r of cachedOf((e) => e.owner !== null)) publish({ ...r, replay: true });
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
