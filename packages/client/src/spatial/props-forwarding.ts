/**
 * X5 for replicas that hold only some cells. A props edit made by a replica that had not seen a concurrent
 * move lands in the cell the anchor left; every reader holding that cell keeps it (the merge takes each key's
 * latest write from every cell, anchor-props.ts), but a replica whose regions cover only the new cell would
 * never see it. So once this space instance learns of the move, it copies its OWN writes that the anchor's
 * current cell lacks into that cell, under their original hlcs: a copy that changes no merged view.
 *
 * Own writes only (hlcs carrying this instance's node id): the writer is the one replica sure to hold the old
 * cell, and copies made by every replica that sees the edit would multiply the writes, while a read-only
 * session's would be refused (O7). The target is the cell of the merged anchor when this replica shows it;
 * otherwise the forwarding tombstones are followed through the held cells to the first one not held, which
 * is opened for the write. Each (id, key, hlc, cell) is forwarded at most once per instance, and not at all
 * once seen in the target, so a region letting go of the new cell does not reopen it. A reload starts a new
 * instance (a new node id): writes made before it are no longer forwarded.
 */
import { isGeohash, mergeProps, ORIGIN, writeProps, type Anchor, type CellEntry, type PropWrite } from '@cairn/shared';
import type { CellDocs } from './cell-docs.js';

export interface PropsForwardingOptions {
  /** This space instance's hlc node id: the writes it stamped end with `-<nodeId>`. */
  nodeId: string;
  cells: CellDocs;
  onError(err: unknown): void;
}

export interface PropsForwarding {
  /** The entries of an id were just merged (into `anchor`, or into nothing). Never throws. */
  merged(id: string, entries: readonly CellEntry[], anchor: Anchor | null): void;
  close(): void;
}

/** The cell the anchor moved on to from the held cells: the newest tombstone, followed while held. */
function chase(entries: readonly CellEntry[]): string | null {
  const byCell = new Map(entries.map((e) => [e.cell, e]));
  let from: CellEntry | null = null;
  for (const e of entries) if (e.movedTo && (!from || e.movedTo.hlc > from.movedTo!.hlc)) from = e;
  const seen = new Set<string>();
  let cell = from?.movedTo?.cell ?? null;
  while (cell !== null && !seen.has(cell)) {
    seen.add(cell);
    const next = byCell.get(cell)?.movedTo?.cell;
    if (next === undefined) return cell;
    cell = next;
  }
  return null; // a cycle of tombstones among held cells: there is a live entry, or nothing to forward to
}

export function createPropsForwarding(o: PropsForwardingOptions): PropsForwarding {
  const mine = `-${o.nodeId}`;
  const done = new Set<string>();
  let closed = false;

  const forward = async (cell: string, id: string, writes: Map<string, PropWrite>): Promise<void> => {
    if (closed) return;
    await o.cells.acquire([cell]);
    try {
      const doc = o.cells.doc(cell);
      if (doc && !closed) doc.transact(() => writeProps(doc, id, writes), ORIGIN.LOCAL);
    } finally {
      await o.cells.release([cell]);
    }
  };

  return {
    merged(id, entries, anchor) {
      if (closed || entries.length === 0 || entries.some((e) => e.deleted)) return;
      if (entries.length === 1 && entries[0]!.movedTo === null) return; // never moved: every write is where the anchor is
      const ownWrite = entries.some((e) => Object.values(e.propClocks ?? {}).some((hlc) => hlc.endsWith(mine)));
      if (!ownWrite) return;
      const target = anchor ? anchor.cell : chase(entries);
      // A tombstone is any writer's string: forwarding goes only to a cell, never to a doc it names.
      if (target === null || !isGeohash(target)) return;
      const held = entries.find((e) => e.cell === target);
      const winner = held ?? entries[0]!;
      const writes = new Map<string, PropWrite>();
      for (const [key, w] of mergeProps(entries, winner)) {
        if (!w.hlc.endsWith(mine)) continue;
        const k = JSON.stringify([id, key, w.hlc, target]);
        if (done.has(k)) continue;
        // Remembered when the target already has it too: letting go of that cell later must not reopen it.
        done.add(k);
        if ((held?.propClocks?.[key] ?? '') < w.hlc) writes.set(key, w);
      }
      if (writes.size === 0) return;
      // Not from inside the Yjs observer that reported the merge: the write opens and edits another doc.
      Promise.resolve()
        .then(() => forward(target, id, writes))
        .catch(o.onError);
    },
    close() {
      closed = true;
    },
  };
}
