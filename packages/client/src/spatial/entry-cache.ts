/**
 * The cell entries (readCell) of the anchor ids that changed lately in the open cell docs, kept current
 * transaction by transaction (X1). A remote move changes one root map of one anchor; with the entry at
 * hand only that map is read again (rereadEntry), not the anchor's eight maps in every cell holding it.
 *
 * An entry is valid only while every transaction of its cell's doc reaches `changed`: index-sync calls it
 * from the doc's afterTransaction, and `drop` when the cell closes. Bounded per cell: the oldest entry is
 * forgotten and read from the doc again when it is needed next.
 */
import type * as Y from 'yjs';
import { readCell, readEntry, rereadEntry, type CellEntry } from '@cairn/shared';

export interface EntryCache {
  /**
   * The ids a transaction of the cell's doc changed (changedAnchorMaps: id → root map bits), with their
   * entries in that cell now; an id whose keys are all gone from the cell has none.
   */
  changed(cell: string, doc: Y.Doc, ids: ReadonlyMap<string, number>): Map<string, CellEntry>;
  /** The id's entry in the cell, or null if the cell's doc holds no key of it. */
  entry(cell: string, doc: Y.Doc, id: string): CellEntry | null;
  /** Whether the cell's entry of the id is held (and must then see every change of the id). */
  has(cell: string, id: string): boolean;
  /** The cell closed: its doc's later transactions will not be seen. */
  drop(cell: string): void;
  clear(): void;
}

/** Entries kept per cell: a few hundred KiB, and far more than a burst of moves touches between reads. */
const MAX_PER_CELL = 4096;
/** A transaction touching more ids than this (a hydration, a bulk import) is read with one readCell. */
const MAX_INCREMENTAL = 64;

export function createEntryCache(): EntryCache {
  const cells = new Map<string, Map<string, CellEntry>>();

  const held = (cell: string): Map<string, CellEntry> => {
    let m = cells.get(cell);
    if (!m) cells.set(cell, (m = new Map()));
    return m;
  };

  const keep = (m: Map<string, CellEntry>, e: CellEntry): void => {
    if (m.size >= MAX_PER_CELL) m.delete(m.keys().next().value!);
    m.set(e.id, e);
  };

  return {
    changed(cell, doc, ids) {
      const m = held(cell);
      const out = new Map<string, CellEntry>();
      if (ids.size > MAX_INCREMENTAL) {
        for (const id of ids.keys()) m.delete(id);
        for (const e of readCell(doc, cell, new Set(ids.keys()))) out.set(e.id, e);
        return out;
      }
      for (const [id, bits] of ids) {
        const cached = m.get(id);
        if (cached) {
          if (rereadEntry(doc, cached, bits)) out.set(id, cached);
          else m.delete(id);
          continue;
        }
        const e = readEntry(doc, cell, id);
        if (!e) continue;
        keep(m, e);
        out.set(id, e);
      }
      return out;
    },
    entry(cell, doc, id) {
      const m = held(cell);
      const cached = m.get(id);
      if (cached) return cached;
      const e = readEntry(doc, cell, id);
      if (!e) return null;
      keep(m, e);
      return e;
    },
    has: (cell, id) => cells.get(cell)?.has(id) ?? false,
    drop: (cell) => void cells.delete(cell),
    clear: () => cells.clear(),
  };
}
