/**
 * `space.presence` (P4): the local sender and the peer table of one space, registered on the client's
 * presence link under the space's name. The space hands it its frame, its cell docs and its lifecycle.
 */
import { cellOf, type GeoFrame, type Vec3 } from '@cairn/shared';
import type { Timers } from '../socket/timers.js';
import type { SpacePresence } from './presence-api.js';
import type { PresenceLink } from './presence-link.js';
import { createLocalSender } from './local-sender.js';
import { createPeerTable } from './peer-table.js';

export interface SpacePresenceHost {
  space: string;
  link: PresenceLink;
  frame(): GeoFrame;
  precision(): number;
  ready(): Promise<void>;
  acquire(cells: readonly string[]): Promise<void>;
  release(cells: readonly string[]): Promise<void>;
  timers: Timers;
  now(): number;
  onError(err: unknown): void;
}

export interface ManagedPresence {
  /** What the app sees as `space.presence`. */
  api: SpacePresence;
  /** The space's origin or precision changed. */
  relocate(): void;
  /** The space let go of a cell doc. */
  cellClosed(cell: string): void;
  /** Leaves, lets go of the cell, and tells every peer's leave. */
  close(): Promise<void>;
}

export function createSpacePresence(h: SpacePresenceHost): ManagedPresence {
  const sender = createLocalSender({
    space: h.space,
    link: h.link,
    cellAt: (p: Readonly<Vec3>) => {
      const g = h.frame().toGeo(p);
      return cellOf(g.lat, g.lon, h.precision());
    },
    ready: h.ready,
    acquire: h.acquire,
    release: h.release,
    timers: h.timers,
    now: h.now,
    onError: h.onError,
  });
  const table = createPeerTable({ timers: h.timers, now: h.now, timeoutMs: () => h.link.timeoutMs });
  const unregister = h.link.register(h.space, { synced: sender.synced, received: table.received });

  return {
    api: {
      set: sender.set,
      clear: sender.clear,
      setRate: sender.setRate,
      get local() {
        return sender.local;
      },
      peers: table.peers,
      get: table.get,
      on: table.on,
    },
    relocate: sender.relocate,
    cellClosed: table.cellClosed,
    async close() {
      await sender.close();
      unregister();
      table.close();
    },
  };
}
