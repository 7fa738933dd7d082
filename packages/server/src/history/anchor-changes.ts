/**
 * L1: the changes of one anchor, across every cell doc of its space that a version ever touched it in (a
 * move across a cell edge writes two cells). Which rows touched an id is not stored anywhere: each cell
 * doc's log is replayed from version 1, or from its history floor once compaction trimmed it (a snapshot
 * would hide which row did what), recording the ids each
 * row's transaction touched (touchedAnchorIds, as the read model does).
 *
 * Order: commit time, then doc, then version; the page cursor is the last change's (time, doc, version).
 * Cost: a replay of every cell doc of the space per request (docs/DECISIONS.md, "History reads").
 */
import * as Y from 'yjs';
import { CairnError, ORIGIN, cellOfDocId, readCell, touchedAnchorIds } from '@cairn/shared';
import type { ChangeRecord, Store } from '../store/store.js';

export interface AnchorChange extends ChangeRecord {
  doc: string;
}

export interface ChangePage<T> {
  changes: T[];
  /** Pass as `cursor` for the next page; null when this page is the last. */
  next: string | null;
}

type CursorKey = [number, string, number];

function compare(a: CursorKey, b: CursorKey): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2];
}

function keyOf(c: AnchorChange): CursorKey {
  return [c.committedAt.getTime(), c.doc, c.version];
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string): CursorKey {
  try {
    const k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(k) && k.length === 3 && Number.isSafeInteger(k[0]) && typeof k[1] === 'string' && Number.isSafeInteger(k[2])) return k as CursorKey;
  } catch {
    // refused below
  }
  throw new CairnError('BAD_REQUEST', 'the cursor is not one this server handed out');
}

async function touchingVersions(store: Store, tenant: string, doc: string, cell: string, id: string): Promise<Set<number>> {
  const ydoc = new Y.Doc({ gc: true });
  readCell(ydoc, cell, new Set()); // the root maps defined first, so transactions are keyed by them
  const found = new Set<number>();
  // A trimmed log (compaction) starts at its floor's state: the changes listed are those in the window.
  const floor = await store.loadHistoryFloor(tenant, doc);
  if (floor) Y.applyUpdate(ydoc, floor.state, ORIGIN.HYDRATE);
  let version = floor?.version ?? 0;
  ydoc.on('afterTransaction', (tx: Y.Transaction) => {
    if (touchedAnchorIds(tx, ydoc).has(id)) found.add(version);
  });
  try {
    for (const row of await store.loadUpdates(tenant, doc, version)) {
      version = row.version;
      try {
        Y.applyUpdate(ydoc, row.update, ORIGIN.HYDRATE);
      } catch {
        // A row that does not apply (C4) touched nothing a room shows.
      }
    }
  } finally {
    ydoc.destroy();
  }
  return found;
}

export async function anchorChanges(store: Store, tenant: string, space: string, id: string, cursor: string | null, limit: number): Promise<ChangePage<AnchorChange>> {
  const after = cursor === null ? null : decodeCursor(cursor);
  const all: AnchorChange[] = [];
  for (const doc of await store.listDocs(tenant, space)) {
    const cell = cellOfDocId(doc);
    if (!cell || cell.space !== space) continue;
    const versions = await touchingVersions(store, tenant, doc, cell.cell, id);
    if (versions.size === 0) continue;
    const max = Math.max(...versions);
    for (const c of await store.listChanges(tenant, doc, 0, max)) if (versions.has(c.version)) all.push({ ...c, doc });
  }
  all.sort((a, b) => compare(keyOf(a), keyOf(b)));
  const rest = after ? all.filter((c) => compare(keyOf(c), after) > 0) : all;
  const changes = rest.slice(0, limit);
  return { changes, next: rest.length > limit ? encodeCursor(keyOf(changes[changes.length - 1]!)) : null };
}
