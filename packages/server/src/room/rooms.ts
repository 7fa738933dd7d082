/**
 * The rooms of this node: the L2 cache of DESIGN.md section 7. A room is loaded on first use, follows its
 * doc's bus channel (subscribed BEFORE loading, so nothing committed elsewhere in between is missed) and
 * stays in memory while sessions hold it; released rooms stay warm in an LRU of `maxIdle` docs, still
 * following the bus, so a rejoin is served from memory. After a bus reconnect every room resyncs (F2).
 */
import type { Store } from '../store/store.js';
import type { Fanout } from '../fanout/fanout.js';
import { createRoom, type Room, type RoomObserver } from './room.js';

export interface RoomsObserver extends RoomObserver {
  cache(hit: boolean): void;
  open(count: number): void;
}

export interface Rooms {
  /** Loads (or finds) the room and holds it until release(). */
  acquire(tenant: string, doc: string): Promise<Room>;
  release(room: Room): void;
  /** The room if this node holds it loaded (held or warm), for applying local commits. */
  peek(tenant: string, doc: string): Room | undefined;
  readonly size: number;
  close(): Promise<void>;
}

interface Entry {
  room: Room | null;
  created: Promise<Room>;
  holders: number;
  unfollow: Promise<() => Promise<void>>;
}

export function createRooms(opts: { store: Store; fanout: Fanout; maxIdle?: number; observer?: RoomsObserver; onError?: (err: unknown) => void }): Rooms {
  const { store, fanout, maxIdle = 1000, observer } = opts;
  const entries = new Map<string, Entry>();
  // Insertion-ordered: the first key is the least recently released idle room.
  const idle = new Set<string>();
  const key = (tenant: string, doc: string) => `${tenant}\u0000${doc}`;

  function evict(k: string): void {
    const e = entries.get(k);
    if (!e) return;
    entries.delete(k);
    idle.delete(k);
    e.room?.destroy();
    void e.unfollow.then((stop) => stop()).catch((err: unknown) => opts.onError?.(err));
    observer?.open(entries.size);
  }

  const stopReconnect = fanout.onReconnect(() => {
    for (const e of entries.values()) void e.room?.resync().catch((err: unknown) => opts.onError?.(err));
  });

  function create(tenant: string, doc: string): Entry {
    // Follow the bus first and buffer what arrives, then load: nothing committed in between is missed.
    let room: Room | null = null;
    const early: Array<[number, Uint8Array]> = [];
    // Presence that arrives before the room exists is dropped: clients renew theirs every 15 s.
    const unfollow = fanout.follow(tenant, doc, (v, u) => (room ? room.applyCommitted(v, u) : early.push([v, u])), (p) => room?.applyRemotePresence(p));
    const load = async (): Promise<Room> => {
      await unfollow; // never rejects: a subscription made while the bus is down activates at reconnect
      room = createRoom({
        tenant, doc, store, publishPresence: (p) => fanout.publishPresence(tenant, doc, p),
        ...(observer ? { observer } : {}), ...(opts.onError ? { onError: opts.onError } : {}),
      });
      for (const [v, u] of early) room.applyCommitted(v, u);
      entry.room = room;
      return room;
    };
    const entry: Entry = { room: null, holders: 0, unfollow, created: Promise.resolve(null as unknown as Room) };
    entry.created = load();
    return entry;
  }

  return {
    async acquire(tenant, doc) {
      const k = key(tenant, doc);
      let e = entries.get(k);
      observer?.cache(e !== undefined);
      if (!e) {
        e = create(tenant, doc);
        entries.set(k, e);
        observer?.open(entries.size);
      }
      e.holders++;
      idle.delete(k);
      try {
        const room = await e.created;
        await room.ready;
        return room;
      } catch (err) {
        e.holders--;
        if (entries.get(k) === e) evict(k);
        throw err;
      }
    },
    release(room) {
      const k = key(room.tenant, room.doc);
      const e = entries.get(k);
      if (!e || e.room !== room) return;
      e.holders = Math.max(0, e.holders - 1);
      if (e.holders > 0) return;
      idle.add(k);
      while (idle.size > maxIdle) evict(idle.values().next().value!);
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
