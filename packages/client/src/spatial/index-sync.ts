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
  isHlc, mergeEntries, ORIGIN, readCell, touchedAnchorIds,
  type Anchor, type CellEntry, type GeoFrame, type SpaceFrame,
} from '@cairn/shared';
import type { StoredCellIndex } from '../replica/replica-store.js';
import type { Timers } from '../socket/timers.js';
import type { AnchorIndex } from './anchor-index.js';
import { fromCellIndex, toCellIndex, type CellIndexInput } from './cell-index.js';
import type { IndexedAnchor } from './indexed-anchor.js';
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

function fingerprint(a: Anchor): string | null {
  try {
    return JSON.stringify(a);
  } catch {
    return null; // not serializable (e.g. a bigint prop): always counts as changed
  }
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
 * `key` fingerprints the merged anchor, to tell a fold that changed nothing. A cell's first open leaves it
 * `undefined` and keeps `merged` to compute it from on first need (keyOf): at 100k anchors the fingerprints
 * were a fifth of the index's part of a Chromium open, for anchors most of which are never folded again.
 */
interface ViewEntry {
  rec: SpaceAnchorRecord;
  authored: Anchor['pose'] | undefined;
  key: string | null | undefined;
  merged?: Anchor;
}

function keyOf(v: ViewEntry): string | null {
  if (v.key === undefined) {
    v.key = fingerprint(v.merged!);
    delete v.merged;
  }
  return v.key;
}

export function createIndexSync(o: IndexSyncOptions): IndexSync {
  // `authored`: the merged pose as the docs hold it, when it carries an authoring origin (X6); a relocation
  // shows it again from there. Without one, the record's own pose is the authored one.
  const view = new Map<string, ViewEntry>();
  const idCells = new Map<string, Set<string>>();
  const cellIds = new Map<string, Set<string>>();
  /** Cells indexed from their stored cell index whose doc is not open yet (cellStored): its mark and entries. */
  const stored = new Map<string, { mark: number; entries: Map<string, CellEntry> }>();
  let timer: unknown = null;
  let timerAt: number | undefined;
  let closed = false;

  const note = (cell: string, ids: Iterable<string>): void => {
    let held = cellIds.get(cell);
    if (!held) cellIds.set(cell, (held = new Set()));
    for (const id of ids) {
      held.add(id);
      let at = idCells.get(id);
      if (!at) idCells.set(id, (at = new Set()));
      at.add(cell);
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

    const frame = o.frame();
    const spaceFrame = o.spaceFrame();
    const touched: { id: string; before: boolean }[] = [];
    const loads: SpaceAnchorRecord[] = [];
    // The index is updated before live queries hear of it, so a callback that throws must not stop the
    // other ids from being applied (X1): the first error is rethrown once all are.
    let failed = false;
    let failure: unknown;
    const safely = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (!failed) failure = err;
        failed = true;
      }
    };
    for (const id of ids) {
      const merged = mergeEntries(o.space, entries.get(id) ?? [], 0);
      o.onMerged?.(id, entries.get(id) ?? [], merged);
      const prev = view.get(id);
      if (!merged) {
        if (!prev) continue;
        touched.push({ id, before: visible(id) });
        view.delete(id);
        safely(() => o.index.remove(id));
        continue;
      }
      const key = fingerprint(merged);
      if (prev && key !== null && keyOf(prev) === key) continue;
      const rec = toRecord(merged, frame, spaceFrame);
      touched.push({ id, before: visible(id) });
      view.set(id, { rec, authored: merged.pose.frame ? merged.pose : undefined, key });
      if (bulk) loads.push(rec);
      else safely(() => o.index.upsert(rec));
    }
    if (loads.length > 0) safely(() => o.index.load(loads));
    report(touched, origin);
    if (failed) throw failure;
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
      view.set(e.id, { rec, authored: merged.pose.frame ? merged.pose : undefined, key: undefined, merged });
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
        const ids = touchedAnchorIds(tx, doc);
        if (ids.size === 0) return;
        let max = '';
        for (const keys of tx.changed.values()) max = maxHlcOf(keys, max);
        if (max) o.onHlc(max);
        note(cell, ids);
        refresh(ids, originOf(tx.origin), false);
      }),
    cellClosed: (cell) =>
      guarded(() => {
        stored.delete(cell);
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
      idCells.clear();
      cellIds.clear();
      o.index.clear();
    },
  };
}
