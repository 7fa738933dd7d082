/**
 * A cell's stored cell index: what index-sync read from a cell doc (its entries, as readCell gives them,
 * and the greatest HLC among its keys), kept by the replica beside the doc's rows and tied to their mark
 * (replica-store.ts MarkedDoc), so it is handed back only while the doc's stored state is exactly the one it
 * was read from. Opening the cell again folds these entries into the index while the doc hydrates, instead
 * of waiting for Yjs to decode the doc and reading every entry back out of it (bench/spatial/hydrate-browser:
 * at 100k anchors Yjs alone is most of a Chromium open).
 *
 * The replica stores it as data it does not read (IndexedDB structured clone); this file owns the shape,
 * and `FORMAT` changes whenever readCell's entries change meaning, so an older client's input is ignored.
 */
import type { CellEntry } from '@cairn/shared';

const FORMAT = 1;

export interface CellIndexInput {
  format: typeof FORMAT;
  entries: CellEntry[];
  /** The greatest HLC among the doc's keys ('' if none): the replica's clock never runs behind it (X2). */
  maxHlc: string;
}

export function toCellIndex(entries: CellEntry[], maxHlc: string): CellIndexInput {
  return { format: FORMAT, entries, maxHlc };
}

/** The stored value as a cell index of `cell`, or null if it is not one (another format, another cell). */
export function fromCellIndex(value: unknown, cell: string): CellIndexInput | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<CellIndexInput>;
  if (v.format !== FORMAT || !Array.isArray(v.entries) || typeof v.maxHlc !== 'string') return null;
  for (const e of v.entries as unknown[]) {
    if (typeof e !== 'object' || e === null) return null;
    const entry = e as Partial<CellEntry>;
    if (typeof entry.id !== 'string' || entry.cell !== cell || typeof entry.props !== 'object' || !Array.isArray(entry.platformRefs)) return null;
  }
  return v as CellIndexInput;
}
