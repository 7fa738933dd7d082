/**
 * This device's presence in one space (P4): it keeps the local value, holds the cell doc its head is in
 * (through the space's cell-docs count, so the device is subscribed to the cell it poses in and sees the
 * peers there), and sends records on the presence link.
 *
 * When a record goes out:
 *   set() ──▶ dirty ──▶ next event-loop turn (many set() in one turn: one record), no sooner than 1/rate s
 *                       after the previous record
 *   nothing set ──▶ keepalive after presenceKeepaliveMs (the poses, not the state)
 *   the cell doc's sync (first time, or after a reconnect) ──▶ at once, with the state
 * The app state travels only when it changed, or as the first record in a cell on a session (the server
 * room caches it for joiners from there).
 *
 * Changing cells (the head crossed an edge):
 *   acquire new cell ──▶ its sync ──▶ full record to the new cell ──▶ leave to the old ──▶ release the old
 * The new cell's record goes first, so a peer that sees both cells never sees this device leave.
 */
import {
  CairnError, DEFAULT_LIMITS, cellDocId, encodePresenceRecord, type PresenceRecord, type Vec3,
} from '@cairn/shared';
import { createSerialQueue } from '../serial-queue.js';
import type { Timers } from '../socket/timers.js';
import type { LocalPresence } from './presence-api.js';
import type { PresenceLink } from './presence-link.js';

export const DEFAULT_PRESENCE_RATE_HZ = 30;
export const MAX_PRESENCE_RATE_HZ = 90;

const RECORD_LIMITS = { maxPresenceAppStateBytes: DEFAULT_LIMITS.maxPresenceAppStateBytes, maxPresenceDepth: DEFAULT_LIMITS.maxPresenceDepth };

export interface LocalSenderOptions {
  space: string;
  link: Pick<PresenceLink, 'ready' | 'send' | 'maxPosesPerSecond'>;
  /** The geohash cell of a point in the space frame (at the space's origin and precision now). */
  cellAt(p: Readonly<Vec3>): string;
  /** Resolves once the space's origin and precision are loaded; rejects if the space failed or closed. */
  ready(): Promise<void>;
  acquire(cells: readonly string[]): Promise<void>;
  release(cells: readonly string[]): Promise<void>;
  timers: Timers;
  now(): number;
  keepaliveMs?: number;
  onError(err: unknown): void;
}

export interface LocalSender {
  set(update: LocalPresence): void;
  clear(): void;
  setRate(hz: number): void;
  readonly local: Readonly<LocalPresence> | null;
  /** The cell's doc got its sync: a record for it goes out at once. */
  synced(cell: string): void;
  /** The space's origin or precision changed: the head may be in another cell. */
  relocate(): void;
  /** Leaves and lets go of the cell. */
  close(): Promise<void>;
}

export function createLocalSender(o: LocalSenderOptions): LocalSender {
  const keepaliveMs = o.keepaliveMs ?? DEFAULT_LIMITS.presenceKeepaliveMs;
  const moves = createSerialQueue();
  let local: LocalPresence | null = null;
  let stateJson: string | undefined;
  let stateDirty = false;
  let dirty = false;
  let rate = DEFAULT_PRESENCE_RATE_HZ;
  let seq = 0;
  /** The cell held (and posed in); null when none. */
  let held: string | null = null;
  /** Cells moved out of, still held until the new cell's first record is out (then a leave each). */
  const leaving = new Set<string>();
  /** The cell the latest move was queued for. */
  let requested: string | null = null;
  /** The doc that got a record with the state on the current session. */
  let fullSentTo: string | null = null;
  let lastSentAt = -Infinity;
  let timer: unknown = null;
  let timerAt = Infinity;
  /** Bumped to cancel a send queued on a microtask. */
  let turn = 0;
  let closed = false;

  const cellFor = (p: LocalPresence | null): string | null => {
    if (!p) return null;
    if (p.head) return o.cellAt(p.head.p);
    if (p.ray) return o.cellAt(p.ray.origin);
    return o.cellAt([0, 0, 0]);
  };

  const interval = (): number => {
    const server = o.link.maxPosesPerSecond;
    return 1000 / (server > 0 ? Math.min(rate, server) : rate);
  };

  const cancel = (): void => {
    if (timer !== null) o.timers.clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
    turn++;
  };

  /** Runs `flush` at `at` (client clock) unless it is already due sooner. */
  const scheduleAt = (at: number): void => {
    if (at >= timerAt) return;
    cancel();
    timerAt = at;
    const delay = at - o.now();
    if (delay <= 0) {
      // This turn's other set() calls still merge into the record.
      const mine = turn;
      queueMicrotask(() => {
        if (mine === turn) flush();
      });
    } else {
      timer = o.timers.setTimeout(flush, delay);
    }
  };

  const schedule = (): void => {
    if (!local || held === null || closed) return;
    scheduleAt(dirty ? lastSentAt + interval() : lastSentAt + keepaliveMs);
  };

  function flush(): void {
    timer = null;
    timerAt = Infinity;
    if (!local || held === null || closed) return;
    const doc = cellDocId(o.space, held);
    if (!o.link.ready(doc)) return; // synced() sends once the doc is subscribed again
    const withState = stateJson !== undefined && (stateDirty || fullSentTo !== doc);
    const record = recordOf(local, seq + 1, withState);
    try {
      o.link.send(doc, encodePresenceRecord(record, RECORD_LIMITS));
    } catch (err) {
      o.onError(err);
      return;
    }
    seq = record.seq;
    lastSentAt = o.now();
    dirty = false;
    if (withState) stateDirty = false;
    fullSentTo = doc;
    schedule();
    if (leaving.size > 0) void leaveOld(true).catch(o.onError);
  }

  const sendLeave = (cell: string): void => {
    const doc = cellDocId(o.space, cell);
    if (!o.link.ready(doc)) return; // the server sent our leave when the session (or the sub) ended
    seq++;
    o.link.send(doc, encodePresenceRecord({ seq, leave: true }, RECORD_LIMITS));
  };

  /**
   * Sends a leave to each cell moved out of and lets go of it. Runs once the new cell's first record is
   * out; a cell whose doc is not subscribed on this session needs no leave (the server sent it).
   */
  const leaveOld = (all: boolean): Promise<void> => {
    const done: Promise<void>[] = [];
    for (const cell of [...leaving]) {
      if (!all && o.link.ready(cellDocId(o.space, cell))) continue;
      leaving.delete(cell);
      sendLeave(cell);
      done.push(o.release([cell]));
    }
    return Promise.all(done).then(() => undefined);
  };

  /** Brings the held cell in line with the local value (see the header); one move at a time. */
  const move = (): Promise<void> =>
    moves.run(async () => {
      if (!closed) await o.ready();
      for (;;) {
        const want = closed ? null : cellFor(local);
        if (want === held) break;
        if (want !== null) await o.acquire([want]);
        if (held !== null) leaving.add(held);
        held = want;
        if (want !== null && leaving.delete(want)) await o.release([want]); // back in a cell not yet let go: one hold is enough
        if (want !== null) {
          dirty = true;
          cancel();
          flush(); // at once if the doc is already subscribed, else on its sync; either way the leaves follow it
        }
      }
      // Nothing to wait for: no cell (cleared, closed), or cells the server no longer has us in.
      await leaveOld(held === null);
    });

  const moveSoon = (): void => {
    requested = cellFor(local);
    void move().catch((err: unknown) => {
      requested = held; // the next set() tries again
      if (!closed) o.onError(err);
    });
  };

  return {
    set(update) {
      if (closed) throw new CairnError('BAD_REQUEST', 'the space is closed');
      const next: LocalPresence = { ...local };
      if (update.head !== undefined) next.head = update.head;
      for (const key of ['left', 'right', 'ray'] as const) {
        const v = update[key];
        if (v === null) delete next[key];
        else if (v !== undefined) (next as Record<string, unknown>)[key] = v;
      }
      let json = stateJson;
      if ('state' in update) {
        json = update.state === undefined ? undefined : (JSON.stringify(update.state) as string | undefined);
        if (update.state === undefined) delete next.state;
        else if (json === undefined) throw new CairnError('BAD_REQUEST', 'presence state must be JSON');
        else next.state = JSON.parse(json) as unknown; // a copy: a later change to the app's object is not ours
      }
      // Checked here, where the app can catch it, not in a timer: non-finite poses, a state too large.
      encodePresenceRecord(recordOf(next, 0, true), RECORD_LIMITS);
      local = next;
      if (json !== stateJson) stateDirty = true;
      stateJson = json;
      dirty = true;
      schedule();
      if (cellFor(local) !== requested) moveSoon();
    },
    clear() {
      if (!local) return;
      local = null;
      stateJson = undefined;
      stateDirty = false;
      dirty = false;
      cancel();
      moveSoon();
    },
    setRate(hz) {
      if (typeof hz !== 'number' || !Number.isFinite(hz) || hz < 1 || hz > MAX_PRESENCE_RATE_HZ) {
        throw new CairnError('BAD_REQUEST', `presence rate must be 1-${MAX_PRESENCE_RATE_HZ} Hz (got ${String(hz)})`);
      }
      rate = hz;
      if (dirty) {
        cancel();
        schedule();
      }
    },
    get local() {
      return local;
    },
    synced(cell) {
      if (cell !== held || !local || closed) return;
      fullSentTo = null; // a new session: the server's room has no state of ours
      dirty = true;
      cancel();
      flush();
    },
    relocate() {
      if (local && !closed) moveSoon();
    },
    async close() {
      closed = true;
      local = null;
      cancel();
      await move().catch(() => undefined);
    },
  };
}

function recordOf(local: Readonly<LocalPresence>, seq: number, withState: boolean): PresenceRecord {
  const record: PresenceRecord = { seq };
  if (local.head) record.head = local.head;
  if (local.left) record.left = local.left;
  if (local.right) record.right = local.right;
  if (local.ray) record.ray = local.ray;
  if (withState && local.state !== undefined) record.state = local.state;
  return record;
}
