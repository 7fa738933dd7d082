/**
 * The peers one space hears of (P4), one entry per peer whatever cell doc its records come through.
 *
 * - A record whose seq is not above the last one seen from that peer is stale (it was overtaken on its
 *   way) and its poses are dropped; the state it carries still counts if it is newer than the state held:
 *   a joiner gets a peer's cached pose record and its older cached state record in either order.
 * - A leave counts only from the cell the peer is in now: a peer that crossed into another cell sends its
 *   new cell's record first and then a leave to the old one, and a device that sees both cells keeps it.
 * - A peer silent for the timeout is gone (a lost device or node sends no leave). So is every peer of a
 *   cell this device stopped subscribing to: the server no longer tells it about them.
 */
import type { PresenceRecord } from '@cairn/shared';
import { createEmitter } from '../emitter.js';
import type { Timers } from '../socket/timers.js';
import type { PeerPresence, PresenceEvent } from './presence-api.js';

interface Entry {
  view: PeerPresence;
  seq: number;
  stateSeq: number;
}

export interface PeerTableOptions {
  timers: Timers;
  now(): number;
  timeoutMs(): number;
}

export interface PeerTable {
  received(cell: string, peer: string, user: string, record: PresenceRecord): void;
  /** This device stopped subscribing to the cell. */
  cellClosed(cell: string): void;
  peers(): PeerPresence[];
  get(peer: string): PeerPresence | undefined;
  on(event: PresenceEvent, cb: (peer: PeerPresence) => void): () => void;
  /** Every peer leaves (the space closes); listeners are dropped after. */
  close(): void;
}

const snapshot = (v: PeerPresence): PeerPresence => ({ ...v });
const samePlace = (a: PeerPresence, b: PeerPresence): boolean =>
  a.cell === b.cell && a.user === b.user &&
  JSON.stringify([a.head, a.left, a.right, a.ray, a.state]) === JSON.stringify([b.head, b.left, b.right, b.ray, b.state]);

export function createPeerTable(o: PeerTableOptions): PeerTable {
  const entries = new Map<string, Entry>();
  const events = createEmitter<Record<PresenceEvent, PeerPresence>>();
  let sweep: unknown = null;

  const remove = (peer: string): void => {
    const e = entries.get(peer);
    if (!e) return;
    entries.delete(peer);
    events.emit('leave', snapshot(e.view));
  };

  const expire = (): void => {
    sweep = null;
    const now = o.now();
    const timeout = o.timeoutMs();
    for (const [peer, e] of [...entries]) if (now - e.view.updatedAt >= timeout) remove(peer);
    arm();
  };

  /** One timer, due when the quietest peer would time out. */
  const arm = (): void => {
    if (sweep !== null || entries.size === 0) return;
    let oldest = Infinity;
    for (const e of entries.values()) oldest = Math.min(oldest, e.view.updatedAt);
    sweep = o.timers.setTimeout(expire, Math.max(0, oldest + o.timeoutMs() - o.now()));
  };

  return {
    received(cell, peer, user, record) {
      const e = entries.get(peer);
      if (record.leave) {
        if (e && e.view.cell === cell) remove(peer);
        return;
      }
      const now = o.now();
      if (!e) {
        const view: PeerPresence = { peer, user, cell, updatedAt: now };
        if (record.state !== undefined) view.state = record.state;
        place(view, record);
        entries.set(peer, { view, seq: record.seq, stateSeq: record.state !== undefined ? record.seq : -1 });
        events.emit('join', snapshot(view));
        arm();
        return;
      }
      const freshState = record.state !== undefined && record.seq > e.stateSeq;
      const freshPoses = record.seq > e.seq;
      if (!freshState && !freshPoses) return;
      const next: PeerPresence = { ...e.view, user, updatedAt: now };
      if (freshPoses) {
        e.seq = record.seq;
        next.cell = cell;
        place(next, record);
      }
      if (freshState) {
        e.stateSeq = record.seq;
        next.state = record.state;
      }
      const changed = !samePlace(e.view, next);
      e.view = next;
      if (changed) events.emit('change', snapshot(next));
    },
    cellClosed(cell) {
      for (const [peer, e] of [...entries]) if (e.view.cell === cell) remove(peer);
    },
    peers: () => [...entries.values()].map((e) => snapshot(e.view)),
    get(peer) {
      const e = entries.get(peer);
      return e ? snapshot(e.view) : undefined;
    },
    on: (event, cb) => events.on(event, cb),
    close() {
      if (sweep !== null) o.timers.clearTimeout(sweep);
      sweep = null;
      for (const peer of [...entries.keys()]) remove(peer);
      events.clear();
    },
  };
}

/** The poses of a record replace the peer's: a hand or ray it no longer sends is gone. */
function place(view: PeerPresence, record: PresenceRecord): void {
  for (const key of ['head', 'left', 'right', 'ray'] as const) {
    if (record[key]) (view as unknown as Record<string, unknown>)[key] = record[key];
    else delete view[key];
  }
}
