/**
 * X1: the space's R-tree mirrors the merged view of the anchors in every open cell doc, whatever changed
 * the docs (a local edit, the server, hydration, another tab). Each transaction of a cell doc names the
 * anchor ids it touched; those ids are re-read in every open cell that holds them and folded again with
 * the shared merge (mergeEntries), and the index gets the result. The fold runs at `now = 0`: expiry is
 * the index's job, judged by this replica's own clock (X4), and a sweep scheduled at the next expiry takes
 * expired anchors out of live queries offline too.
 */
import * as Y from 'yjs';
import {
  changedAnchorMaps, isHlc, mergeEntries, ORIGIN, POSES_BIT, readCell, readPose,
  type Anchor, type CellEntry, type GeoFrame, type SpaceFrame,
} from '@cairn/shared';
import type { StoredCellIndex } from '../replica/replica-store.js';
import type { Timers } from '../socket/timers.js';
import type { AnchorIndex } from './anchor-index.js';
import { fromCellIndex, toCellIndex, type CellIndexInput } from './cell-index.js';
import { createEntryCache } from './entry-cache.js';
import type { IndexedAnchor } from './indexed-anchor.js';
import { sameAnchor } from './same-anchor.js';
import type { AnchorChange, SpaceAnchor } from './space-api.js';

/** What the index holds: the merged anchor, its place on Earth, and its pose's p/q at top level. */
export type SpaceAnchorRecord = SpaceAnchor & IndexedAnchor;

export interface IndexSyncOptions {
  space: string;
  index: AnchorIndex<SpaceAnchorRecord>;
  docs(): ReadonlyMap<string, Y.Doc>;
  frame(): GeoFrame;
  /** X6: the frame anchors are shown in; poses authored in another origin are transformed into it. */
  spaceFrame(): SpaceFrame;
  timers: Timers;
  now(): number;
  /** The greatest HLC seen in a doc's keys, so the replica's clock never runs behind anyone's (X2). */
  onHlc(hlc: string): void;
  onChange(change: AnchorChange): void;
  /** Every fold of an id, with the entries it read (props-forwarding.ts); never throws. */
  onMerged?(id: string, entries: readonly CellEntry[], merged: Anchor | null): void;
  /** A live-query callback threw, or a doc held something unindexable: reported, never thrown into Yjs. */
  onError(err: unknown): void;
  /** A cell doc was read whole while it held exactly its stored rows up to `mark`: keep its cell index. */
  saveCellIndex?(cell: string, mark: number, input: CellIndexInput): void;
}

export interface IndexSync {
  /**
   * The cell's stored cell index (cell-index.ts), while its doc hydrates: its entries are indexed and stand
   * in for the doc's until cellOpened (or cellClosed, if it is not opened after all).
   */
  cellStored(cell: string, found: StoredCellIndex): void;
  /** `mark`: the doc holds exactly its stored rows up to it (OpenDocs.mark), or null. */
  cellOpened(cell: string, doc: Y.Doc, mark?: number | null): void;
  cellChanged(cell: string, doc: Y.Doc, tx: Y.Transaction): void;
  /** The cell's doc is no longer among `docs()`. */
  cellClosed(cell: string): void;
  /** The merged anchor, expired or not. */
  peek(id: string): SpaceAnchorRecord | undefined;
  /** The open cells that hold entries of the id. */
  cellsOf(id: string): string[];
  /**
   * The space's origin changed: every anchor is shown in the new frame again. Poses with no frame stamp keep
   * their coordinates and get a new lat/lon; stamped ones keep their place on Earth (X6).
   */
  relocate(origin: AnchorChange['origin']): void;
  close(): void;
}

// Node's setTimeout fires at once beyond 2^31 - 1 ms; a far expiry is re-checked daily instead.
const MAX_DELAY_MS = 24 * 3600 * 1000;

export function originOf(origin: unknown): AnchorChange['origin'] {
  if (origin === ORIGIN.REMOTE) return 'remote';
  if (origin === ORIGIN.HYDRATE) return 'hydrate';
  if (origin === ORIGIN.TAB) return 'tab';
  return 'local';
}

/**
 * The greatest HLC among keys `<id>|<hlc>`. Keys, not entries: readCell reports pose and move clocks but
 * not expiry ones, and a TTL written under a clock behind another replica's would lose to it.
 */
function maxHlcOf(keys: Iterable<string | null>, max: string): string {
  for (const k of keys) {
    if (k === null) continue;
    const sub = k.slice(k.lastIndexOf('|') + 1);
    if (sub > max && isHlc(sub)) max = sub;
  }
  return max;
}

/** The merged anchor as the index holds it: its pose in the space's frame (X6), and its place on Earth. */
export function toRecord(merged: Anchor, frame: GeoFrame, spaceFrame: SpaceFrame): SpaceAnchorRecord {
  const a = spaceFrame.anchor(merged);
  const g = frame.toGeo(a.pose.p);
  const rec: SpaceAnchorRecord = { ...a, lat: g.lat, lon: g.lon, alt: g.alt, p: a.pose.p, q: a.pose.q };
  if (Number.isNaN(rec.expiresAt)) delete rec.expiresAt; // a NaN expiry (any writer may store one) never expires
  return rec;
}

/**
 * `merged`: the fold the record was made from, to tell whether a later fold changed anything, field by
 * field (same-anchor.ts): no fingerprint is made at open, nor at a remote move.
 */
interface ViewEntry {
  rec: SpaceAnchorRecord;
  authored: Anchor['pose'] | undefined;
  merged: Anchor;
}

/** One fold of some ids: the index is updated before live queries hear of it (report). */
interface Batch {
  frame: GeoFrame;
  spaceFrame: SpaceFrame;
  touched: { id: string; before: boolean }[];
  /** Records for one bulk load, or null to upsert each. */
  loads: SpaceAnchorRecord[] | null;
  failure: { err: unknown } | null;
}

export function createIndexSync(o: IndexSyncOptions): IndexSync {
  // `authored`: the merged pose as the docs hold it, when it carries an authoring origin (X6); a relocation
  // shows it again from there. Without one, the record's own pose is the authored one.
  const view = new Map<string, ViewEntry>();
  const idCells = new Map<string, Set<string>>();
  const cellIds = new Map<string, Set<string>>();
  /** Cells indexed from their stored cell index whose doc is not open yet (cellStored): its mark and entries. */
  const stored = new Map<string, { mark: number; entries: Map<string, CellEntry> }>();
  const cached = createEntryCache();
  let timer: unknown = null;
  let timerAt: number | undefined;
  let closed = false;

  const note = (cell: string, ids: Iterable<string>): void => {
    let held = cellIds.get(cell);
    if (!held) cellIds.set(cell, (held = new Set()));
    for (const id of ids) {
      let at = idCells.get(id);
      if (!at) idCells.set(id, (at = new Set()));
      else if (at.has(cell)) continue; // both maps hold the pair: a move of a known anchor costs one lookup
      at.add(cell);
      held.add(id);
    }
  };

  const visible = (id: string) => o.index.get(id) !== undefined;

  /** Re-folds the ids from every open cell holding them; `known` are entries already read. */
  const refresh = (ids: ReadonlySet<string>, origin: AnchorChange['origin'], bulk: boolean, known?: [string, CellEntry[]]): void => {
    const byCell = new Map<string, Set<string>>();
    for (const id of ids) {
      for (const cell of idCells.get(id) ?? []) {
        if (cell === known?.[0]) continue;
        let only = byCell.get(cell);
        if (!only) byCell.set(cell, (only = new Set()));
        only.add(id);
      }
    }
    const entries = new Map<string, CellEntry[]>();
    const add = (e: CellEntry) => {
      const list = entries.get(e.id);
      if (list) list.push(e);
      else entries.set(e.id, [e]);
    };
    known?.[1].forEach(add);
    const docs = o.docs();
    for (const [cell, only] of byCell) {
      const doc = docs.get(cell);
      if (doc) readCell(doc, cell, only).forEach(add);
      else addStored(cell, only, add);
    }

    const b = batch(bulk);
    for (const id of ids) fold(b, id, entries.get(id) ?? []);
    finish(b, origin);
  };

  const batch = (bulk: boolean): Batch => ({ frame: o.frame(), spaceFrame: o.spaceFrame(), touched: [], loads: bulk ? [] : null, failure: null });

  // A live-query callback that throws must not stop the other ids from being applied (X1): the first
  // error is rethrown by finish() once all are.
  const safely = (b: Batch, fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      b.failure ??= { err };
    }
  };

  /** Folds one id's entries from every open cell holding it into the view and the index. */
  const fold = (b: Batch, id: string, list: readonly CellEntry[]): void => {
    const merged = mergeEntries(o.space, list, 0);
    o.onMerged?.(id, list, merged);
    put(b, id, merged);
  };

  /** The id's new fold: into the view and the index, unless it changed nothing. */
  const put = (b: Batch, id: string, merged: Anchor | null): void => {
    const prev = view.get(id);
    if (!merged) {
      if (!prev) return;
      b.touched.push({ id, before: visible(id) });
      view.delete(id);
      safely(b, () => o.index.remove(id));
      return;
    }
    if (prev && sameAnchor(prev.merged, merged)) return;
    const rec = toRecord(merged, b.frame, b.spaceFrame);
    b.touched.push({ id, before: visible(id) });
    view.set(id, { rec, authored: merged.pose.frame ? merged.pose : undefined, merged });
    if (b.loads) b.loads.push(rec);
    else safely(b, () => o.index.upsert(rec));
  };

  const finish = (b: Batch, origin: AnchorChange['origin']): void => {
    const loads = b.loads;
    if (loads && loads.length > 0) safely(b, () => o.index.load(loads));
    report(b.touched, origin);
    if (b.failure) throw b.failure.err;
  };

  /**
   * A transaction of an open cell. A pose-only change of an anchor this cell alone holds is folded from
   * the new pose (movedFold); for the other ids the entries in that cell come from the entry cache, read
   * again only in the maps the transaction changed, and other cells holding an id are read from it too.
   */
  const refreshChanged = (cell: string, doc: Y.Doc, changed: ReadonlyMap<string, number>, origin: AnchorChange['origin']): void => {
    // Decided before anything is folded: the entry cache sees every id of the transaction first, whatever
    // a fold might throw.
    const moves: [string, Anchor][] = [];
    let rest = changed;
    if (changed.size <= 64) {
      const slow = new Map<string, number>();
      for (const [id, bits] of changed) {
        const moved = bits === POSES_BIT ? movedFold(cell, doc, id) : null;
        if (moved) moves.push([id, moved]);
        else slow.set(id, bits);
      }
      rest = slow;
    }
    const here = rest.size > 0 ? cached.changed(cell, doc, rest) : null;
    const b = batch(false);
    for (const [id, merged] of moves) put(b, id, merged);
    const docs = o.docs();
    for (const id of rest.keys()) {
      const at = idCells.get(id);
      const list: CellEntry[] = [];
      // In idCells order, as refresh() reads them: props forwarding breaks ties by that order.
      for (const c of at ?? []) {
        if (c === cell) {
          const e = here?.get(id);
          if (e) list.push(e);
          continue;
        }
        const other = docs.get(c);
        const e = other ? cached.entry(c, other, id) : (stored.get(c)?.entries.get(id) ?? null);
        if (e) list.push(e);
      }
      fold(b, id, list);
    }
    finish(b, origin);
  };

  /**
   * A transaction that changed only poses of an id, which no other open cell holds and whose shown anchor
   * comes from this cell: when the pose it now reads is newer than the shown one, its fold is the shown
   * anchor with that pose. Nothing else it folds changed (those maps were not touched), the entry cannot
   * have become forwarded (a tombstone older than the old pose is older than the new one) and props
   * forwarding has nothing to do with one cell (its writes are all here). Anything else takes the full fold.
   */
  const movedFold = (cell: string, doc: Y.Doc, id: string): Anchor | null => {
    const prev = view.get(id);
    if (!prev || prev.merged.cell !== cell || cached.has(cell, id) || idCells.get(id)?.size !== 1) return null;
    const pose = readPose(doc, cell, id);
    if (!pose || pose.hlc <= prev.merged.pose.hlc) return null;
    return { ...prev.merged, pose, props: { ...prev.merged.props } };
  };

  const addStored = (cell: string, only: ReadonlySet<string>, add: (e: CellEntry) => void): void => {
    const held = stored.get(cell)?.entries;
    if (!held) return;
    for (const id of only) {
      const e = held.get(id);
      if (e) add(e);
    }
  };

  /** Un-notes the ids the cell no longer holds, and folds them again from the cells that still do. */
  const forget = (cell: string, ids: ReadonlySet<string>, origin: AnchorChange['origin']): void => {
    const gone = new Set<string>();
    for (const id of [...(cellIds.get(cell) ?? [])]) if (!ids.has(id)) gone.add(id);
    for (const id of gone) {
      cellIds.get(cell)!.delete(id);
      const at = idCells.get(id);
      at?.delete(cell);
      if (at?.size === 0) idCells.delete(id);
    }
    if (gone.size > 0) refresh(gone, origin, false);
  };

  /**
   * A cell's first open: ids no other open cell holds fold from this cell's entry alone, and go into the
   * index in one bulk load (X1); the others are folded with their other cells by `refresh`.
   */
  const hydrate = (cell: string, entries: readonly CellEntry[]): void => {
    const alone: CellEntry[] = [];
    const shared: CellEntry[] = [];
    for (const e of entries) (idCells.get(e.id)!.size === 1 && !view.has(e.id) ? alone : shared).push(e);
    let failure: { err: unknown } | null = null;
    if (shared.length > 0) {
      try {
        refresh(new Set(shared.map((e) => e.id)), 'hydrate', true, [cell, shared]);
      } catch (err) {
        failure = { err };
      }
    }
    const frame = o.frame();
    const spaceFrame = o.spaceFrame();
    const loads: SpaceAnchorRecord[] = [];
    for (const e of alone) {
      const merged = mergeEntries(o.space, [e], 0);
      o.onMerged?.(e.id, [e], merged);
      if (!merged) continue;
      const rec = toRecord(merged, frame, spaceFrame);
      view.set(e.id, { rec, authored: merged.pose.frame ? merged.pose : undefined, merged });
      loads.push(rec);
    }
    try {
      if (loads.length > 0) o.index.load(loads);
    } catch (err) {
      failure ??= { err };
    }
    report(loads.map((rec) => ({ id: rec.id, before: false })), 'hydrate');
    if (failure) throw failure.err;
  };

  const report = (touched: readonly { id: string; before: boolean }[], origin: AnchorChange['origin']): void => {
    const change: AnchorChange = { added: [], changed: [], removed: [], origin };
    for (const { id, before } of touched) {
      const after = visible(id);
      if (before && after) change.changed.push(id);
      else if (after) change.added.push(id);
      else if (before) change.removed.push(id);
    }
    if (change.added.length + change.changed.length + change.removed.length > 0) o.onChange(change);
  };

  /** Runs an update of the index; what a live query's callback throws is reported, and the sweep rescheduled. */
  const guarded = (fn: () => void): void => {
    if (closed) return;
    try {
      fn();
    } catch (err) {
      o.onError(err);
    } finally {
      schedule();
    }
  };

  const sweep = (): void => {
    timer = null;
    timerAt = undefined;
    guarded(() => {
      const gone = o.index.sweep();
      if (gone.length > 0) o.onChange({ added: [], changed: [], removed: gone, origin: 'local' });
    });
  };

  const schedule = (): void => {
    const next = o.index.nextExpiry();
    if (next === timerAt || closed) return;
    if (timer !== null) o.timers.clearTimeout(timer);
    timer = null;
    timerAt = next;
    if (next === undefined) return;
    // At least 1 ms: a sweep that finds nothing due yet must not spin on a zero delay.
    timer = o.timers.setTimeout(sweep, Math.min(MAX_DELAY_MS, Math.max(1, next - o.now())));
  };

  return {
    cellStored: (cell, found) =>
      guarded(() => {
        const input = fromCellIndex(found.input, cell);
        if (!input || stored.has(cell) || o.docs().has(cell)) return;
        if (input.maxHlc) o.onHlc(input.maxHlc);
        const byId = new Map(input.entries.map((e) => [e.id, e]));
        stored.set(cell, { mark: found.mark, entries: byId });
        note(cell, byId.keys());
        hydrate(cell, input.entries);
      }),
    cellOpened: (cell, doc, mark = null) =>
      guarded(() => {
        // The doc holds exactly the rows the stored entries were read from: they are its entries.
        const held = stored.get(cell);
        stored.delete(cell);
        if (held && mark !== null && held.mark === mark) return;
        const entries = readCell(doc, cell);
        let max = '';
        for (const type of doc.share.values()) if (type instanceof Y.Map) max = maxHlcOf(type.keys(), max);
        if (max) o.onHlc(max);
        const ids = new Set(entries.map((e) => e.id));
        forget(cell, ids, 'hydrate');
        note(cell, ids);
        hydrate(cell, entries);
        if (mark !== null) o.saveCellIndex?.(cell, mark, toCellIndex(entries, max));
      }),
    cellChanged: (cell, doc, tx) =>
      guarded(() => {
        const changed = changedAnchorMaps(tx, doc);
        if (changed.size === 0) return;
        let max = '';
        for (const keys of tx.changed.values()) max = maxHlcOf(keys, max);
        if (max) o.onHlc(max);
        note(cell, changed.keys());
        refreshChanged(cell, doc, changed, originOf(tx.origin));
      }),
    cellClosed: (cell) =>
      guarded(() => {
        stored.delete(cell);
        cached.drop(cell);
        const ids = cellIds.get(cell) ?? new Set<string>();
        cellIds.delete(cell);
        for (const id of ids) {
          const at = idCells.get(id);
          at?.delete(cell);
          if (at?.size === 0) idCells.delete(id);
        }
        refresh(ids, 'local', false);
      }),
    peek: (id) => view.get(id)?.rec,
    cellsOf: (id) => [...(idCells.get(id) ?? [])],
    relocate: (origin) =>
      guarded(() => {
        const frame = o.frame();
        const spaceFrame = o.spaceFrame();
        const touched = [...view.keys()].map((id) => ({ id, before: visible(id) }));
        for (const v of view.values()) v.rec = toRecord(v.authored ? { ...v.rec, pose: v.authored } : v.rec, frame, spaceFrame);
        try {
          o.index.load(Array.from(view.values(), (v) => v.rec));
        } finally {
          report(touched, origin);
        }
      }),
    close() {
      closed = true;
      if (timer !== null) o.timers.clearTimeout(timer);
      timer = null;
      view.clear();
      stored.clear();
      cached.clear();
      idCells.clear();
      cellIds.clear();
      o.index.clear();
    },
  };
}
