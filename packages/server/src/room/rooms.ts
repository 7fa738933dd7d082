/**
 * The rooms of this node: the L2 cache of DESIGN.md section 7. A room is loaded on first use, follows its
 * doc's bus channel (subscribed BEFORE loading, so nothing committed elsewhere in between is missed) and
 * stays in memory while sessions hold it; released rooms stay warm in an LRU of `maxIdle` docs, still
 * following the bus, so a rejoin is served from memory. After a bus reconnect every room resyncs (F2).
 *
 * Loads are budgeted (S7): concurrent acquires of one doc share one load, and a load runs only in one of
 * the node's `loads` slots (default 5, half of the default Postgres pool), behind the caller's own slots
 * (`owner`, per socket) if it brings them. A load still waiting for its turn when every holder has gone
 * (aborted its `signal`) is dropped without touching the Store; one already running finishes and parks
 * warm, so sub/unsub churn on a doc costs one load, not one per sub.
 *
 * A load first asks `refuse` (L2: the deletion record), so a node that missed a delete's bus message still
 * refuses the doc; `retire` closes the rooms of a deleted doc or space, telling their subscribers first.
 *
 * With `shared` (L3, cache/shared-loads.ts) a miss here looks in the cluster's snapshot cache first, or waits
 * for the node that holds the doc's load lease, before it takes a node slot: waiting on another node costs
 * no Postgres connection. The room then starts from the cached snapshot and reads only the rows after it.
 *
 *   acquire ─► entry? ── yes ─► join it (no load)
 *                └ no ─► owner slot ─► L3 find ─► node slot ─► follow bus, load ─► held (holders > 0) or warm (LRU)
 *                           └──── every holder aborted before the load started: dropped ────┘
 */
import { CairnError, type PresenceRecordLimits } from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { Fanout } from '../fanout/fanout.js';
import { createRoom, type Room, type RoomObserver, type RoomOptions } from './room.js';
import { createLoadSlots, type LoadSlots } from './load-slots.js';
import type { Found, SharedLoads } from '../cache/shared-loads.js';

export interface RoomsObserver extends RoomObserver {
  /** A lookup at a cache level: l2 this node's rooms, l3 the cluster's snapshot cache on an l2 miss. */
  cache(hit: boolean, level?: 'l2' | 'l3'): void;
  open(count: number): void;
}

export interface AcquireOptions {
  /** The caller's own load budget (a socket's), taken before the node's when this acquire starts a load. */
  owner?: LoadSlots;
  /** Gives up the acquire (unsub, socket closed): it rejects with the signal's reason and holds nothing. */
  signal?: AbortSignal;
}

export interface Rooms {
  /** Loads (or finds) the room and holds it until release(). OVERLOADED when the node's load line is full. */
  acquire(tenant: string, doc: string, opts?: AcquireOptions): Promise<Room>;
  release(room: Room): void;
  /**
   * L2: the doc (every doc of the space, `doc` null) was deleted: each subscriber of its rooms is told
   * (RoomSubscriber.deleted), then the rooms are dropped, loaded or loading, warm or held.
   */
  retire(tenant: string, space: string, doc: string | null): void;
  /** Every doc this node holds a room for, loaded or loading (L2: re-checked for deletions after a bus outage). */
  docs(): { tenant: string; doc: string }[];
  /** The room if this node holds it loaded (held or warm), for applying local commits. */
  peek(tenant: string, doc: string): Room | undefined;
  readonly size: number;
  close(): Promise<void>;
}

interface Entry {
  room: Room | null;
  /** Resolves once the room is loaded and ready. */
  created: Promise<Room>;
  holders: number;
  /** Null until the load has its slot. */
  unfollow: Promise<() => Promise<void>> | null;
  /** Drops a load that has not started (every holder left). */
  cancel: AbortController;
}

export interface RoomsOptions {
  store: Store;
  fanout: Fanout;
  maxIdle?: number;
  /** Versions after a doc's snapshot before a room writes a new one (room.ts; default 1,000). */
  snapshotMinUpdates?: number;
  /** Room loads running at once on this node (default 5) and waiting for a turn (default 1000). */
  maxConcurrentLoads?: number;
  maxQueuedLoads?: number;
  /** Presence records (P4): when a silent peer's cached records go, and the check of other nodes' records. */
  poseLimits?: { timeoutMs: number; limits: PresenceRecordLimits };
  observer?: RoomsObserver;
  onError?: (err: unknown) => void;
  /** Checked before each load; rejects (DOC_DELETED) to refuse the doc. Default: nothing is refused. */
  refuse?: (tenant: string, doc: string) => Promise<void>;
  /** L3: the cluster's snapshot cache; absent, every load reads the Store. */
  shared?: SharedLoads;
}

export function createRooms(opts: RoomsOptions): Rooms {
  const { store, fanout, maxIdle = 1000, observer, shared } = opts;
  const loads = createLoadSlots(opts.maxConcurrentLoads ?? 5, opts.maxQueuedLoads ?? 1000);
  const entries = new Map<string, Entry>();
  // Insertion-ordered: the first key is the least recently released idle room.
  const idle = new Set<string>();
  const key = (tenant: string, doc: string) => `${tenant}\u0000${doc}`;

  function evict(k: string, reason: CairnError = new CairnError('SHUTTING_DOWN', 'the room was evicted before it loaded')): void {
    const e = entries.get(k);
    if (!e) return;
    entries.delete(k);
    idle.delete(k);
    e.cancel.abort(reason);
    e.room?.destroy();
    void e.unfollow?.then((stop) => stop()).catch((err: unknown) => opts.onError?.(err));
    observer?.open(entries.size);
  }

  function park(k: string): void {
    idle.add(k);
    while (idle.size > maxIdle) evict(idle.values().next().value!);
  }

  // After a reconnect, presence records published meanwhile are lost too: the others replay theirs (P4).
  const stopReconnect = fanout.onReconnect(() => {
    for (const e of entries.values()) {
      void e.room?.resync().catch((err: unknown) => opts.onError?.(err));
      if (e.room) fanout.requestPoses(e.room.tenant, e.room.doc);
    }
  });

  function create(tenant: string, doc: string, owner: LoadSlots | undefined): Entry {
    let room: Room | null = null;
    const early: Array<[number, Uint8Array, string | undefined]> = [];
    // A message without its actor (a node that does not send it) would leave the owners of the Yjs clients
    // it starts unknown here (room/yclient-owners.ts): the room reads that version from the Store instead.
    const deliver = (v: number, u: Uint8Array, actor: string | undefined): void => {
      if (!room) early.push([v, u, actor]);
      else if (actor === undefined) room.catchUp(v);
      else room.applyCommitted(v, u, null, actor);
    };
    const load = async (): Promise<Room> => {
      const leaveOwner = owner ? await owner.take(entry.cancel.signal) : null;
      let l3: ReturnType<typeof l3Load> | null = null;
      try {
        if (shared) l3 = l3Load(shared, await shared.find(tenant, doc, entry.cancel.signal), tenant, doc);
        const leave = await loads.take(entry.cancel.signal);
        try {
          await opts.refuse?.(tenant, doc);
          // Follow the bus first and buffer what arrives, then load: nothing committed in between is missed.
          // Presence that arrives before the room exists is dropped: clients renew theirs every 15 s. Presence
          // records that arrive before it are dropped too, but the room asks for them as soon as it exists.
          entry.unfollow = fanout.follow(tenant, doc, (v, u, actor) => deliver(v, u, actor), {
            presence: (p) => room?.applyRemotePresence(p),
            pose: (m) => room?.poses.remote(m),
            poseSync: () => room?.poses.replay(),
          });
          await entry.unfollow; // never rejects: a subscription made while the bus is down activates at reconnect
          room = createRoom({
            tenant, doc, store, publishPresence: (p) => fanout.publishPresence(tenant, doc, p),
            publishPose: (r) => fanout.publishPose(tenant, doc, r),
            ...(opts.poseLimits ? { poseLimits: opts.poseLimits } : {}),
            ...(opts.snapshotMinUpdates !== undefined ? { snapshot: { minUpdates: opts.snapshotMinUpdates } } : {}),
            ...(observer ? { observer } : {}), ...(opts.onError ? { onError: opts.onError } : {}),
            ...(l3 ? l3.options : {}),
          });
          for (const [v, u, actor] of early) deliver(v, u, actor);
          entry.room = room;
          // Asked before the load, so the replays are usually cached by the time the first joiner's sync is sent.
          fanout.requestPoses(tenant, doc);
          await room.ready;
          if (l3) observer?.cache(room.loadedFrom === 'l3', 'l3');
          // Retired (deleted) while it loaded: the entry is gone and nobody may be handed this room.
          if (entry.cancel.signal.aborted) {
            room.destroy();
            throw entry.cancel.signal.reason;
          }
          return room;
        } finally {
          leave();
        }
      } finally {
        l3?.settle();
        leaveOwner?.();
      }
    };
    const entry: Entry = { room: null, holders: 0, unfollow: null, cancel: new AbortController(), created: Promise.resolve(null as unknown as Room) };
    entry.created = load();
    const k = key(tenant, doc);
    entry.created.then(
      () => {
        if (entry.holders === 0 && entries.get(k) === entry) park(k); // every holder left while it loaded
      },
      () => {
        if (entries.get(k) === entry) evict(k); // failed or dropped: the next acquire loads afresh
      },
    );
    return entry;
  }

  return {
    async acquire(tenant, doc, { owner, signal } = {}) {
      if (signal?.aborted) throw signal.reason;
      const k = key(tenant, doc);
      let e = entries.get(k);
      if (e?.cancel.signal.aborted) {
        evict(k); // dropped a moment ago, its rejection still on the way: load afresh
        e = undefined;
      }
      observer?.cache(e !== undefined);
      if (!e) {
        e = create(tenant, doc, owner);
        entries.set(k, e);
        observer?.open(entries.size);
      }
      e.holders++;
      idle.delete(k);
      try {
        return await abortable(e.created, signal);
      } catch (err) {
        e.holders--;
        if (e.holders === 0 && e.unfollow === null) e.cancel.abort(err); // nobody waits for it: never load
        throw err;
      }
    },
    release(room) {
      const k = key(room.tenant, room.doc);
      const e = entries.get(k);
      if (!e || e.room !== room) return;
      e.holders = Math.max(0, e.holders - 1);
      if (e.holders > 0) return;
      park(k);
    },
    retire(tenant, space, doc) {
      const prefix = key(tenant, `${space}/`);
      const reason = new CairnError('DOC_DELETED');
      for (const [k, e] of [...entries]) {
        if (doc === null ? !k.startsWith(prefix) : k !== key(tenant, doc)) continue;
        for (const sub of [...(e.room?.subscribers ?? [])]) {
          try {
            sub.deleted?.();
          } catch (err) {
            opts.onError?.(err);
          }
        }
        evict(k, reason);
      }
    },
    docs() {
      return [...entries.keys()].map((k) => {
        const at = k.indexOf('\u0000');
        return { tenant: k.slice(0, at), doc: k.slice(at + 1) };
      });
    },
    peek(tenant, doc) {
      return entries.get(key(tenant, doc))?.room ?? undefined;
    },
    get size() {
      return entries.size;
    },
    async close() {
      stopReconnect();
      for (const k of [...entries.keys()]) evict(k);
      await Promise.resolve();
    },
  };
}

/**
 * One room load's use of L3: the cached snapshot to start from (checked against the Store), the share of
 * what the room loads and writes, and the lease given back once the loaded state is shared, so the nodes
 * waiting on this load find the snapshot rather than a free lease and no snapshot (a failed load).
 */
function l3Load(shared: SharedLoads, found: Found, tenant: string, doc: string) {
  let first: Promise<void> | null = null;
  const { cached, lease } = found;
  const options: Pick<RoomOptions, 'start' | 'share'> = {
    share(snapshot) {
      const p = shared.share(tenant, doc, found.epoch, snapshot);
      first ??= p;
    },
    ...(cached ? {
      start: () => shared.check(tenant, doc, cached),
    } : {}),
  };
  return {
    options,
    /** The load ended (ready or failed; room.ts shared a Store load before its ready resolved). */
    settle(): void {
      if (!lease) return;
      void (first ?? Promise.resolve()).then(() => lease.release());
    },
  };
}

/** `p`, or the signal's reason as soon as it aborts (p itself runs on). */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
