/**
 * A room is one doc held in memory on this node: its merged Yjs state at a known version, the sessions
 * subscribed to it, and the awareness (presence) of its clients. It applies committed updates strictly in
 * version order (C2), whether they come from this node's commits or from the bus, and repairs gaps from
 * the Store (F2):
 *
 *   applyCommitted(v) ─► v ≤ version ? drop (already have it)
 *                      ─► buffer v ─► drain: apply version+1, version+2, … while buffered
 *                      ─► still buffered above a hole? load the hole from the Store, apply, drain again
 *
 * Updates that arrive while the room is still loading are buffered the same way, so subscribing to the bus
 * BEFORE loading never loses one.
 *
 * Snapshots: the Store keeps the log (trimmed below a history window only if one is configured, compact/)
 * and a snapshot per doc, which a room loads first, replaying only the updates after it. A room writes a new snapshot, on a later turn, once at
 * least `snapshot.minUpdates` versions AND a quarter of the last snapshot's size in update bytes came after
 * it: loading then never replays more than a bounded tail, and a big doc is not re-encoded (hundreds of ms
 * at 20 MB) for a handful of small updates. Nodes may write the same doc's snapshots; the Store keeps the
 * newest.
 *
 * Updates that do not apply (C4): validation keeps them out of the log, but a row stored before it, or one
 * it missed, must not make the doc unloadable. Loading applies the rows one by one; if one throws, the doc
 * is rebuilt from the Store (rebuild-doc.ts) and the row that throws is quarantined in the Store, counted
 * and logged once (observer.quarantined), and left out. A committed update that throws on a live room is
 * quarantined the same way: the room takes its version without it, is rebuilt from the Store as of that
 * version (the throw may have left the doc half-applied), and goes on delivering the next versions;
 * subscribers never receive the bad update. After a rebuild that left rows out the room writes a snapshot,
 * so later loads start past them.
 *
 * Presence: what this node's clients change in the room's awareness goes to its other subscribers and to
 * `publishPresence` (the other nodes); what another node publishes comes in through `applyRemotePresence`
 * and goes to every subscriber here, never back to the bus. A node's clients that vanish with their node
 * age out of the other nodes' awareness after y-protocols' 30 s timeout. Presence records (P4, poses) have
 * their own relay and joiner cache, `poses` (peer-poses.ts).
 */
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { CairnError, DEFAULT_LIMITS, ORIGIN, isCairnError, type PresenceRecordLimits } from '@cairn/shared';
import type { DocSnapshot, Store, UpdateRecord } from '../store/store.js';
import { readPresence } from './presence-payload.js';
import { createPeerPoses, type PeerPoses, type PeerPosesOptions, type PoseReceiver } from './peer-poses.js';
import { rebuildDoc } from './rebuild-doc.js';
import { applyOwned, createYClientOwners, type YClientOwners } from './yclient-owners.js';

export interface RoomSubscriber extends PoseReceiver {
  /** A committed update, version `version`, that this subscriber did not send itself. */
  update(version: number, update: Uint8Array): void;
  /** An awareness update from another subscriber (y-protocols/awareness encoding). */
  presence?(payload: Uint8Array): void;
  /** L2: the doc was deleted; the room is closing and will serve nothing more (rooms.ts retire). */
  deleted?(): void;
}

export interface RoomObserver {
  repaired(count: number): void;
  applied(version: number): void;
  /** The room loaded: from the Store (its snapshot and log) or from an L3 snapshot and the rows after it. */
  loaded?(source: 'store' | 'l3'): void;
  /** L1 as the server sees it: a joiner's sync was at most L1_HIT_MAX_BYTES (its replica held the doc) or more. */
  l1?(hit: boolean): void;
  /** A log row did not apply and was newly quarantined (C4); called once per row across all nodes. */
  quarantined?(tenant: string, doc: string, version: number, reason: string): void;
}

export interface Room {
  readonly tenant: string;
  readonly doc: string;
  /** The doc's merged state; a rebuild after an update that did not apply replaces it (C4). */
  readonly ydoc: Y.Doc;
  readonly awareness: Awareness;
  /** Presence records (P4): relay to the subscribers that take them, and the joiner cache. */
  readonly poses: PeerPoses;
  readonly version: number;
  /** Where the load started: the Store, or an L3 snapshot (a snapshot that did not apply counts as the Store). */
  readonly loadedFrom: 'store' | 'l3';
  readonly subscribers: ReadonlySet<RoomSubscriber>;
  /** Resolves when the room holds the Store's state as of its loading (or of its latest rebuild). */
  readonly ready: Promise<void>;
  /** Who may write new structs of each Yjs client of the doc (C5, yclient-owners.ts). */
  readonly owners: YClientOwners;
  /** `actor`: who wrote it (the Store's or the bus message's); the owner of the Yjs clients it starts. */
  applyCommitted(version: number, update: Uint8Array, source?: RoomSubscriber | null, actor?: string): void;
  /** Applies an awareness update another node published (see the header). */
  applyRemotePresence(payload: Uint8Array): void;
  /**
   * Loads versions up to `version` from the Store if the room is below it (C5: a duplicate push's first
   * commit may never have been published). Never applies bytes it did not read from the Store.
   */
  catchUp(version: number): void;
  /** Loads every version above the room's own from the Store (after a bus reconnect, F2). */
  resync(): Promise<void>;
  /** The update a client with this state vector lacks, and the version it brings the client to. */
  syncFor(stateVector: Uint8Array | null): { version: number; update: Uint8Array };
  subscribe(sub: RoomSubscriber): void;
  unsubscribe(sub: RoomSubscriber): void;
  destroy(): void;
}

/** An apply error's message for the quarantine record and the log (never sent to a client, S4). */
function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}

/** A state vector with no clients (the varUint 0 that Y.encodeStateVector gives an empty doc), or none. */
function isEmptyStateVector(sv: Uint8Array): boolean {
  return sv.byteLength === 0 || (sv.byteLength === 1 && sv[0] === 0);
}

/**
 * L1 hit: the update a joiner's state vector asks for is at most this many bytes, i.e. its replica already
 * held the doc but for a few small updates (docs/OPERATIONS.md "Metrics"). An empty vector asks for the doc.
 */
export const L1_HIT_MAX_BYTES = 4096;

/** A start other than the Store's snapshot: an L3 snapshot checked against the Store, and the rows after it. */
export type RoomStart = { snapshot: DocSnapshot; rows: UpdateRecord[] };

/** The origin of awareness changes that came from another node. */
const REMOTE_PRESENCE = Symbol('remote presence');

export interface RoomOptions {
  tenant: string;
  doc: string;
  store: Store;
  observer?: RoomObserver;
  onError?: (err: unknown) => void;
  /** Tells the other nodes an awareness update of this node's clients. */
  publishPresence?: (payload: Uint8Array) => void;
  /** Tells the other nodes a presence record of this node's clients (peer-poses.ts). */
  publishPose?: PeerPosesOptions['publish'];
  /** When a silent peer's cached records go (P4), and the check of other nodes' records; default DEFAULT_LIMITS. */
  poseLimits?: { timeoutMs: number; limits: PresenceRecordLimits };
  /** When to write a snapshot (see the header); default 1,000 updates. */
  snapshot?: { minUpdates: number };
  /**
   * L3 (cache/shared-loads.ts): where to start instead of the Store's snapshot; null (the cached snapshot
   * must not be used) falls back to the Store.
   */
  start?: () => Promise<RoomStart | null>;
  /** L3: told of the room's state after a Store load and of each snapshot it writes, to share with other nodes. */
  share?: (snapshot: DocSnapshot) => void;
}

export function createRoom(opts: RoomOptions): Room {
  const { tenant, doc, store, observer } = opts;
  let ydoc = new Y.Doc({ gc: true });
  // Awareness only needs a clientID, not the content: its own doc, so a rebuild can replace `ydoc` (C4).
  const awareness = new Awareness(new Y.Doc({ guid: 'cairn-room-presence' }));
  awareness.setLocalState(null); // the server itself has no presence
  awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    const changed = added.concat(updated, removed);
    if (changed.length === 0) return;
    let payload: Uint8Array;
    try {
      payload = encodeAwarenessUpdate(awareness, changed);
    } catch (err) {
      return opts.onError?.(err); // states are checked before they get here (presence-payload.ts)
    }
    for (const sub of subscribers) if (sub !== origin) deliver(() => sub.presence?.(payload));
    // A timeout is every node's own: each one ages out stale states by itself.
    if (origin !== REMOTE_PRESENCE && origin !== 'timeout') deliver(() => opts.publishPresence?.(payload));
  });
  const subscribers = new Set<RoomSubscriber>();
  const poses = createPeerPoses({
    subscribers, ...(opts.poseLimits ?? { timeoutMs: DEFAULT_LIMITS.presenceTimeoutMs, limits: DEFAULT_LIMITS }),
    ...(opts.publishPose ? { publish: opts.publishPose } : {}), ...(opts.onError ? { onError: opts.onError } : {}),
  });
  const buffered = new Map<number, { update: Uint8Array; source: RoomSubscriber | null; actor: string | undefined }>();
  const owners = createYClientOwners({ doc: () => ydoc });
  let version = 0;
  let loaded = false;
  let repairing: Promise<void> | null = null;
  let repairScheduled = false;
  let destroyed = false;
  /** The whole doc encoded at `version`, for joiners with an empty state vector (see syncFor). */
  let full: { version: number; update: Uint8Array } | null = null;

  const minUpdates = opts.snapshot?.minUpdates ?? 1000;
  /** The newest snapshot this room knows of, and the update bytes applied since. */
  let snapshotAt = { version: 0, bytes: 0 };
  let bytesSince = 0;
  let snapshotting = false;

  /** One subscriber's failure must not stop delivery to the others nor reach the sender (S6). */
  function deliver(send: () => void): void {
    try {
      send();
    } catch (err) {
      opts.onError?.(err);
    }
  }

  function apply(v: number, update: Uint8Array, source: RoomSubscriber | null, actor: string | undefined): void {
    try {
      owners.apply(ydoc, update, ORIGIN.REMOTE, actor);
    } catch (err) {
      version = v;
      recover(v, err);
      return;
    }
    version = v;
    bytesSince += update.byteLength;
    observer?.applied(v);
    for (const sub of subscribers) if (sub !== source) deliver(() => sub.update(v, update));
    if (!snapshotting && version - snapshotAt.version >= minUpdates && bytesSince >= snapshotAt.bytes / 4) {
      snapshotting = true;
      setImmediate(() => void writeSnapshot());
    }
  }

  async function writeSnapshot(): Promise<void> {
    try {
      if (destroyed) return;
      const at = version;
      const state = full?.version === at ? full.update : Y.encodeStateAsUpdate(ydoc);
      bytesSince = 0;
      snapshotAt = { version: at, bytes: state.byteLength };
      const snapshot = { version: at, state, owners: new Map(owners.durable) };
      await store.saveSnapshot(tenant, doc, snapshot);
      opts.share?.(snapshot);
    } catch (err) {
      opts.onError?.(err); // the log still holds every update: a missed snapshot only costs a longer load
    } finally {
      snapshotting = false;
    }
  }

  function drain(): void {
    if (!loaded) return;
    for (const v of [...buffered.keys()]) if (v <= version) buffered.delete(v);
    let next = buffered.get(version + 1);
    while (next && loaded) {
      buffered.delete(version + 1);
      apply(version + 1, next.update, next.source, next.actor);
      next = buffered.get(version + 1);
    }
    if (buffered.size > 0) repairSoon();
  }

  /**
   * A hole is repaired from the Store one turn later if it is still there: the missing version most often
   * arrives in the same turn or the next, from the other of two commit batches in flight whose answers came
   * back in the other order (commit/group-commit.ts) or from another node's publish that a later one
   * overtook on the bus. Repairing at once cost a Store read each time.
   */
  function repairSoon(): void {
    if (repairScheduled) return;
    repairScheduled = true;
    setImmediate(() => {
      repairScheduled = false;
      if (destroyed || !loaded || buffered.size === 0) return;
      if (buffered.has(version + 1)) return drain();
      void repair(Math.min(...buffered.keys()) - 1);
    });
  }

  /** Loads versions (version, upTo] from the Store; upTo omitted = to the head. One repair at a time. */
  function repair(upTo?: number): Promise<void> {
    repairing ??= (async () => {
      let trimmed = false;
      try {
        const rows = await store.loadUpdates(tenant, doc, version, upTo);
        let count = 0;
        for (const row of rows) {
          if (destroyed || !loaded || row.version !== version + 1) break;
          buffered.delete(row.version);
          apply(row.version, row.update, null, row.actor);
          count++;
        }
        observer?.repaired(count);
      } catch (err) {
        if (isCairnError(err) && err.code === 'HISTORY_TRIMMED') trimmed = true;
        else opts.onError?.(err);
      } finally {
        repairing = null;
      }
      if (trimmed && !destroyed) return reloadPastFloor();
      // Retry only if the hole was filled meanwhile or something above it is still waiting and the
      // Store actually advanced; otherwise wait for the next message or resync to try again.
      if (!destroyed && buffered.has(version + 1)) drain();
    })();
    return repairing;
  }

  /** Records a row that did not apply; the observer hears of it once, from the node that recorded it. */
  async function quarantine(v: number, reason: string): Promise<void> {
    try {
      if (await store.quarantine(tenant, doc, v, reason)) observer?.quarantined?.(tenant, doc, v, reason);
    } catch (err) {
      opts.onError?.(err); // the next load finds the row again and retries
    }
  }

  /** Rebuilds the doc from the Store as of `upTo` without the rows that do not apply, and takes it over. */
  async function rebuild(upTo: number | undefined): Promise<void> {
    const skip = new Set((await store.listQuarantined(tenant, doc)).filter((q) => q.droppedAt === null).map((q) => q.version));
    const built = await rebuildDoc({ store, tenant, doc, upTo, skip, quarantine });
    if (destroyed) {
      built.doc.destroy();
      return;
    }
    ydoc.destroy();
    ydoc = built.doc;
    owners.reset(built.owners);
    version = built.version;
    full = null;
    snapshotAt = built.snapshotAt;
    bytesSince = built.bytesSince;
    // A snapshot now lets the next load start past the rows left out instead of finding them again.
    if (built.skipped > 0 && !snapshotting) {
      snapshotting = true;
      setImmediate(() => void writeSnapshot());
    }
  }

  /**
   * F2 below the history floor: the versions this room lacks were trimmed by compaction (a room that sat
   * behind a hole for longer than the window). It loads the doc again from the Store (snapshot + rows) and
   * sends its subscribers what the old state lacked as one update, so they miss nothing either.
   */
  function reloadPastFloor(): Promise<void> {
    loaded = false;
    const before = Y.encodeStateVector(ydoc);
    ready = (async () => {
      try {
        await rebuild(undefined);
        const missed = Y.encodeStateAsUpdate(ydoc, before);
        for (const sub of subscribers) deliver(() => sub.update(version, missed));
      } catch (err) {
        opts.onError?.(err); // the old doc stays; the next gap or resync tries again
      }
      loaded = true;
      drain();
    })();
    return ready;
  }

  /** A committed update did not apply to the live doc: quarantine it, rebuild as of its version, go on. */
  function recover(v: number, err: unknown): void {
    loaded = false;
    ready = (async () => {
      try {
        await quarantine(v, reasonOf(err));
        await rebuild(v);
      } catch (rebuildErr) {
        opts.onError?.(rebuildErr); // the half-applied doc stays; the next versions still flow
      }
      loaded = true;
      drain();
      if (!destroyed) await repair();
    })();
  }

  /**
   * The whole doc encoded once per version, for fresh joiners (empty state vector) and the L3 share: encoding
   * a big doc costs hundreds of ms (bench/: 100k anchors, 20 MB, ~400 ms), and joins of a hot doc come in
   * bursts. The bytes are never modified after they are sent, so every joiner shares them.
   */
  function wholeDoc(): { version: number; update: Uint8Array } {
    if (full?.version !== version) full = { version, update: Y.encodeStateAsUpdate(ydoc) };
    return full;
  }

  /**
   * After a Store load without a Store snapshot (or a rebuild): the state to share (L3), before the room
   * serves its joiners, since other nodes wait for it (bench/join-storm.mjs: shared after this node's joins were sent, the other node waited seconds
   * longer). The whole doc: the Store's snapshot bytes when nothing came after them (see the load), else
   * encoded once for the share and for this room's fresh joiners (syncFor keeps it).
   */
  function shareLoaded(): void {
    if (!opts.share || version === 0) return;
    opts.share({ version, state: wholeDoc().update, owners: new Map(owners.durable) });
  }

  let loadedFrom: 'store' | 'l3' = 'store';
  let ready = (async () => {
    const started = opts.start ? await opts.start() : null;
    const snapshot = started ? started.snapshot : await store.loadSnapshot(tenant, doc);
    // L3: the Store's snapshot goes to the other nodes at once, before this room applies it and its tail:
    // they wait on this load (the lease), and read the tail from the Store themselves, so their loads run
    // beside this one instead of after it.
    const sharedEarly = !started && snapshot !== null && opts.share !== undefined;
    if (sharedEarly) opts.share!({ version: snapshot.version, state: snapshot.state, owners: new Map(snapshot.owners ?? []) });
    let replayed = 0;
    let rebuilt = false;
    try {
      const derived = new Map(snapshot?.owners ?? []);
      if (snapshot) {
        Y.applyUpdate(ydoc, snapshot.state, ORIGIN.HYDRATE);
        version = snapshot.version;
        snapshotAt = { version, bytes: snapshot.state.byteLength };
      }
      const rows = started ? started.rows : await store.loadUpdates(tenant, doc, version);
      replayed = rows.length;
      if (rows.length > 0) {
        // One by one, as live rooms applied them (M1): a merge, or one transaction around all, can resolve
        // hostile rows (two claiming the same client clock, deletions that wait) differently than the live
        // order did. It is also faster than the merge (2,000 small rows: 70 ms, merged 215 ms). Each row's
        // actor owns the Yjs clients it starts, as on the live rooms (yclient-owners.ts).
        for (const r of rows) applyOwned(ydoc, r.update, ORIGIN.HYDRATE, r.actor, derived);
        version = rows[rows.length - 1]!.version;
        for (const r of rows) bytesSince += r.update.byteLength;
      }
      owners.reset(derived);
    } catch {
      // Some row (or the snapshot) does not apply: the slow, row-by-row load finds and leaves it out.
      await rebuild(undefined);
      rebuilt = true;
    }
    // A snapshot with nothing after it already is the whole doc encoded at this version: the fresh joiners'
    // answer (syncFor) and the L3 share take its bytes instead of encoding 20 MB again (hundreds of ms).
    if (snapshot && !rebuilt && replayed === 0 && version === snapshot.version) full = { version, update: snapshot.state };
    loaded = true;
    loadedFrom = started && !rebuilt ? 'l3' : 'store';
    observer?.loaded?.(loadedFrom);
    if (rebuilt || (!started && !sharedEarly)) shareLoaded();
    drain();
  })();

  return {
    tenant,
    doc,
    awareness,
    poses,
    get version() {
      return version;
    },
    get loadedFrom() {
      return loadedFrom;
    },
    subscribers,
    get ready() {
      return ready;
    },
    get ydoc() {
      return ydoc;
    },
    owners,
    applyRemotePresence(payload) {
      if (destroyed) return;
      // Another node checked it, unless it runs older code: a state that cannot be encoded again must not
      // get into this room's awareness either.
      const read = readPresence(payload, DEFAULT_LIMITS);
      if (!read.ok) return opts.onError?.(new CairnError('INVALID_PRESENCE', `from another node: ${read.problem}`));
      try {
        applyAwarenessUpdate(awareness, payload, REMOTE_PRESENCE);
      } catch (err) {
        opts.onError?.(err); // another node's bytes: dropped, never thrown into the bus
      }
    },
    applyCommitted(v, update, source = null, actor) {
      if (destroyed || v <= version) return;
      buffered.set(v, { update, source, actor });
      drain();
    },
    catchUp(v) {
      if (destroyed || !loaded || v <= version) return;
      // A repair already running may stop below v; this one starts after it (repair never rejects).
      void (repairing ?? Promise.resolve()).then(() => {
        if (!destroyed && v > version) return repair(v);
      });
    },
    async resync() {
      await ready;
      while (repairing) await repairing;
      await ready; // a rebuild may have started meanwhile
      await repair();
    },
    syncFor(stateVector) {
      const answer = stateVector && !isEmptyStateVector(stateVector) ? { version, update: Y.encodeStateAsUpdate(ydoc, stateVector) } : wholeDoc();
      observer?.l1?.(answer.update.byteLength <= L1_HIT_MAX_BYTES);
      return answer;
    },
    subscribe(sub) {
      subscribers.add(sub);
    },
    unsubscribe(sub) {
      subscribers.delete(sub);
    },
    destroy() {
      destroyed = true;
      full = null;
      subscribers.clear();
      poses.clear();
      buffered.clear();
      awareness.destroy();
      ydoc.destroy();
    },
  };
}
