/**
 * ④→⑤→⑦: the one durable write path, shared by native and y-websocket sessions. Validate (C3), commit
 * with the group (A2), then apply to this node's room and publish on the bus, in that order (F1).
 * The caller acks only after this resolves (A1).
 */
import type { CommitOutcome, CommitRequest } from '../store/store.js';
import type { Fanout } from '../fanout/fanout.js';
import type { Rooms } from '../room/rooms.js';
import type { Room, RoomSubscriber } from '../room/room.js';
import type { LoadSlots } from '../room/load-slots.js';
import type { Metrics } from '../metrics/metrics.js';
import type { GroupCommit } from './group-commit.js';
import type { ReadModelUpdater } from '../readmodel/updater.js';
import * as Y from 'yjs';
import { CairnError, isCairnError } from '@cairn/shared';
import { validateUpdate } from './validate-update.js';
import type { TenantQuotas } from './tenant-quotas.js';

export interface WriteRequest extends CommitRequest {
  /** The subscriber that sent it, so the room does not echo the update back to it. */
  source: RoomSubscriber | null;
  /** The sending socket's own load budget: a room this write loads takes one of its slots, as a sub's load does (S7). */
  loads?: LoadSlots;
}

export interface CommitPath {
  /**
   * Rejects with CairnError INVALID_UPDATE, DOC_QUOTA_EXCEEDED or BYTE_QUOTA_EXCEEDED (before anything is
   * stored), STORE_UNAVAILABLE or SHUTTING_DOWN.
   */
  write(req: WriteRequest): Promise<CommitOutcome>;
  /**
   * Resolves once no write has been in flight for QUIET_IDLE_MS, or after `maxWaitMs` (default
   * QUIET_MAX_WAIT_MS) at most: work that no ack waits for (the read model) goes after the acks, and is only
   * delayed, never starved, by a steady stream of writes.
   */
  quiet(maxWaitMs?: number): Promise<void>;
}

/**
 * How long the commit path must have been idle to count as quiet. Not 0: a client's burst reaches the
 * commit path push by push when each one takes a while to validate and commit (PGlite runs on this thread),
 * so the path goes idle for a moment between two pushes of one burst.
 */
export const QUIET_IDLE_MS = 100;
/** The longest quiet() waits: the read model's lag under a steady stream of writes stays about this small. */
export const QUIET_MAX_WAIT_MS = 2000;

/** A room that failed to load (or rebuild): its coded error, or STORE_UNAVAILABLE (retryable) with the cause. */
function loadError(err: unknown): CairnError {
  return isCairnError(err) ? err : new CairnError('STORE_UNAVAILABLE', undefined, { cause: err });
}

/** A write started on this node and not settled yet (see inFlightByDoc). */
interface InFlightWrite {
  /** Its place in the order writes started on this node. */
  n: number;
  update: Uint8Array;
  /**
   * The Yjs clients it has structs of: its validation's, or decoded when a later write waits before it was
   * validated (writesAny).
   */
  clients: { has(client: number): boolean } | null;
  /** Settles (never rejects) when the write has. */
  settled: Promise<void>;
}

/** What a write knows of its doc's in-flight writes (see inFlightByDoc). */
interface Earlier {
  /** Resolves once the earlier writes of the doc that write any of `clients` have settled. */
  wait(clients: ReadonlySet<number>): Promise<unknown>;
  /** This write's clients (validation's map, kept as is), so a later write that waits need not decode it again. */
  wrote(clients: ReadonlyMap<number, number>): void;
}

function writesAny(w: InFlightWrite, clients: ReadonlySet<number>): boolean {
  if (!w.clients) {
    const decoded = new Set<number>();
    try {
      for (const client of Y.parseUpdateMeta(w.update).to.keys()) decoded.add(client);
    } catch {
      // It does not decode, so validation refuses it; nothing can wait for its clocks.
    }
    w.clients = decoded;
  }
  for (const c of clients) if (w.clients.has(c)) return true;
  return false;
}

/** Update bytes that may wait for their rooms to load, as the group commit's own bound. */
const DEFAULT_MAX_WAITING_BYTES = 64 * 1024 * 1024;

export function createCommitPath(deps: {
  group: GroupCommit; rooms: Rooms; fanout: Fanout; metrics: Metrics; readModel?: Pick<ReadModelUpdater, 'committed'>;
  /** Per-tenant doc and byte quotas, checked before validation (none: no limits). */
  quotas?: Pick<TenantQuotas, 'admit'>;
  /** Update bytes of writes waiting for their rooms to load past which one more is refused with OVERLOADED. */
  maxWaitingBytes?: number;
}): CommitPath {
  const { group, rooms, fanout, metrics, readModel, quotas } = deps;
  const maxWaitingBytes = deps.maxWaitingBytes ?? DEFAULT_MAX_WAITING_BYTES;
  /**
   * Per doc, the writes started on this node and not yet settled, in the order they started. A write that
   * waits (validate-update.ts) waits for the earlier ones among them that write a Yjs client whose clocks it
   * lacks, then validates again. Only those: a wait for every earlier write of the doc chained all of its
   * writers behind each other once one write waited, so a doc's commits went one batch at a time and a
   * moment of latency (GC, a busy machine) became a backlog that never drained (bench/: the knee's p99
   * stalls). Not just the last one either: a write that does not wait can commit ahead of an earlier one
   * still waiting, and a later write that waited only for it resynced without that earlier write and was
   * refused (an honest edit lost: a tab's push between two of another tab's pipelined pushes,
   * SEED=1451820405 of readmodel-merge.test.ts).
   */
  const inFlightByDoc = new Map<string, InFlightWrite[]>();
  let started = 0;
  /**
   * Bytes of writes waiting for their doc's room to load. The group bounds what waits for a commit, but
   * concurrent pushes to one doc share one load (the node's load line counts it once): a socket pushing
   * 1 MiB updates to a doc whose load was slow piled them up here without limit. (A write that waits for
   * the writes before it is not counted: a pipelined honest client's burst chains that way.)
   */
  let waitingBytes = 0;
  /** Writes started and not yet settled, and when one last started or ended (quiet). */
  let inFlight = 0;
  let lastActive = 0;

  async function run(req: WriteRequest, before: Earlier, loaded: () => void): Promise<CommitOutcome> {
    // Checked against the doc it will be applied to (C4). A push to a doc this node does not hold (a
    // socket that pushes without subscribing) loads the room first: checked on its own, an update can pass
    // and still break the doc later. The room stays warm in the LRU after the write.
    let held: Room | null = null;
    if (!rooms.peek(req.tenant, req.doc)) {
      try {
        held = await rooms.acquire(req.tenant, req.doc, req.loads ? { owner: req.loads } : {});
      } catch (err) {
        throw loadError(err);
      }
    }
    try {
      return await checkAndCommit(req, before, loaded);
    } finally {
      if (held) rooms.release(held);
    }
  }

  async function checkAndCommit(req: WriteRequest, before: Earlier, loaded: () => void): Promise<CommitOutcome> {
    const room = rooms.peek(req.tenant, req.doc);
    // A room still loading (or rebuilding) holds part of its doc and of its Yjs client owners.
    if (room) {
      try {
        await room.ready;
      } catch (err) {
        throw loadError(err);
      }
    }
    loaded();
    // Quotas first: a push the tenant may not store costs no validation. Settled with what the commit did.
    const admitted = quotas?.admit(req.tenant, req.doc, req.update.byteLength, (rooms.peek(req.tenant, req.doc)?.version ?? 0) === 0);
    const ticket = admitted instanceof Promise ? await admitted : admitted;
    let outcome: CommitOutcome | null = null;
    try {
      outcome = await validateAndCommit(req, before);
      return outcome;
    } finally {
      ticket?.settle(outcome);
    }
  }

  async function validateAndCommit(req: WriteRequest, before: Earlier): Promise<CommitOutcome> {
    let room = rooms.peek(req.tenant, req.doc);
    /** Each Yjs client the update has structs of → the end clock of its structs (validateUpdate fills it). */
    let writes = new Map<number, number>();
    /** The Yjs clients whose clocks it lacks, if it waits. */
    const waitsOn = new Set<number>();
    const waits = validateUpdate(req.update, room?.ydoc, writes, waitsOn) === 'waits';
    before.wrote(writes);
    if (room && (waits || !room.owners.allows(req.actor, writes))) {
      // It references clocks the room does not hold: pushes still committing here (a pipelined client,
      // tabs sharing one outbox) or versions another node committed that the bus has not brought yet. Wait
      // for both. If it still waits, it references items nobody committed, and Yjs would keep it pending,
      // where it can break a later, honest update; it is refused. The same lag can make another subject's
      // structs look new (a y-websocket provider resending what it got from a node ahead of this one):
      // once the room holds them they change nothing, and only what is still new needs its owner.
      const held = room;
      let settled = false;
      if (waits) {
        await before.wait(waitsOn);
        // Most often that was all it waited for (a client pushes its next update before the last one's
        // ack): the writes before it are applied now. Then a resync would only add a Store read per push,
        // and with the writes of a doc chained behind each other, a commit slowed by a disk stall made
        // every later push of the doc wait for a read and a commit each: a backlog that never drained
        // (bench/: team workload, embedded store).
        room = rooms.peek(req.tenant, req.doc);
        writes = new Map();
        settled = room !== undefined && validateUpdate(req.update, room.ydoc, writes) !== 'waits' && room.owners.allows(req.actor, writes);
      }
      if (!settled) {
        await held.resync();
        room = rooms.peek(req.tenant, req.doc);
        writes = new Map();
        if (room && validateUpdate(req.update, room.ydoc, writes) === 'waits') throw new CairnError('INVALID_UPDATE', 'it references items that were never committed');
      }
    }
    // C5, M1: new clocks of a Yjs client another subject owns would hide that subject's edits; checked and
    // claimed in the same turn as the validation above, so two pushes on this node cannot both take one.
    const claim = room?.owners.claim(req.actor, writes);
    let committed = false;
    try {
      return await commit(req, (c) => (committed = c));
    } finally {
      claim?.settle(committed);
    }
  }

  async function commit(req: WriteRequest, stored: (committed: boolean) => void): Promise<CommitOutcome> {
    const { source: _source, loads: _loads, ...request } = req;
    const outcome = await group.submit(request);
    if (outcome.kind === 'committed') {
      stored(true);
      metrics.committed.inc();
      rooms.peek(req.tenant, req.doc)?.applyCommitted(outcome.version, req.update, req.source, req.actor);
      void fanout.publish(req.tenant, req.doc, outcome.version, req.update, req.actor);
    } else {
      metrics.duplicates.inc();
      // C5: a duplicate's bytes need not be what the Store holds at that version (a resend may carry other
      // bytes or name another doc: the version is of the doc the push was first stored in), so they are
      // neither applied nor published. If its first committer died before publishing, the room loads what
      // it lacks from the Store instead; other nodes fill such a hole at their next update (F2).
      rooms.peek(req.tenant, req.doc)?.catchUp(outcome.version);
    }
    // The anchor read model follows committed cell/meta docs; it queues and never throws or waits, so the
    // ack does not depend on it. Duplicates too: their first committer may have died.
    readModel?.committed(req.tenant, req.doc, outcome.version);
    return outcome;
  }

  return {
    write(req) {
      // Load shedding, as in the group commit: refused as retryable, the client resends after its backoff.
      const bytes = req.update.byteLength;
      if (waitingBytes + bytes > maxWaitingBytes) return Promise.reject(new CairnError('OVERLOADED', 'too many pushes wait for their docs to load'));
      waitingBytes += bytes;
      let waiting = true;
      const loaded = (): void => {
        if (waiting) waitingBytes -= bytes;
        waiting = false;
      };
      const key = `${req.tenant}\u0000${req.doc}`;
      let list = inFlightByDoc.get(key);
      if (!list) inFlightByDoc.set(key, (list = []));
      const writes = list;
      const self: InFlightWrite = { n: ++started, update: req.update, clients: null, settled: Promise.resolve() };
      const before: Earlier = {
        wait: (clients) => Promise.all(writes.filter((w) => w.n < self.n && writesAny(w, clients)).map((w) => w.settled)),
        wrote(clients) {
          self.clients ??= clients;
        },
      };
      inFlight++;
      lastActive = performance.now();
      const done = run(req, before, loaded);
      const ended = (): void => {
        loaded();
        inFlight--;
        lastActive = performance.now();
      };
      void done.then(ended, ended);
      self.settled = done.then(() => undefined, () => undefined);
      list.push(self);
      void self.settled.then(() => {
        writes.splice(writes.indexOf(self), 1);
        if (writes.length === 0 && inFlightByDoc.get(key) === writes) inFlightByDoc.delete(key);
      });
      return done;
    },
    quiet(maxWaitMs = QUIET_MAX_WAIT_MS) {
      const deadline = performance.now() + maxWaitMs;
      return new Promise<void>((resolve) => {
        const check = (): void => {
          const now = performance.now();
          const idleFor = inFlight === 0 ? now - lastActive : 0;
          if (idleFor >= QUIET_IDLE_MS || now >= deadline) return resolve();
          setTimeout(check, Math.max(1, Math.min(deadline - now, QUIET_IDLE_MS - idleFor)));
        };
        check();
      });
    },
  };
}
