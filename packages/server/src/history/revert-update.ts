/**
 * L2: the Yjs update that turns a doc's head back into its content at an earlier version, as a NEW edit.
 *
 * Yjs cannot move a doc back in time: what a replica has merged it keeps. So a revert is computed, not
 * rewound: the doc is built at the old version, every committed row after it is applied in ONE transaction
 * that a Y.UndoManager tracks, and the undo of that transaction is the update. Undo deletes what the rows
 * inserted and re-inserts copies of what they deleted (the UndoManager keeps deleted items from GC for
 * this), so the result holds the old content under a fresh Yjs client. Applied to the head, it gives the
 * old content; applied to a replica that also holds edits the server had not seen, those edits stay:
 * a revert undoes exactly the rows committed up to the head it was computed from, nothing else
 * (docs/DECISIONS.md, "What restore means").
 */
import * as Y from 'yjs';
import * as random from 'lib0/random';
import { ORIGIN } from '@cairn/shared';
import type { Store } from '../store/store.js';
import { readDocAt } from './doc-at.js';

const TRACKED = Symbol('history-later-rows');

export interface RevertPlan {
  /** The update to commit, or null when the head already holds the old content (nothing after it). */
  update: Uint8Array | null;
  /** The version the content is taken from. */
  version: number;
  /** The head the update was computed against. */
  head: number;
}

export async function revertUpdate(store: Store, tenant: string, doc: string, version: number): Promise<RevertPlan> {
  const old = await readDocAt(store, tenant, doc, { version });
  const ydoc = old.ydoc;
  try {
    const rows = old.head > version ? await store.loadUpdates(tenant, doc, version, old.head) : [];
    if (rows.length === 0) return { update: null, version, head: old.head };
    const skip = new Set((await store.listQuarantined(tenant, doc)).filter((q) => q.droppedAt === null).map((q) => q.version));
    // The whole doc is the scope: root types created after `version` are undone too.
    const undo = new Y.UndoManager(ydoc, { trackedOrigins: new Set([TRACKED]), captureTimeout: Number.POSITIVE_INFINITY });
    Y.transact(ydoc, () => {
      for (const row of rows) if (!skip.has(row.version)) Y.applyUpdate(ydoc, row.update, TRACKED);
    }, TRACKED);
    // A fresh Yjs client: the commit path gives it to the reverting subject (room/yclient-owners.ts, C5).
    ydoc.clientID = freshClientId(ydoc);
    let update: Uint8Array | null = null;
    const capture = (u: Uint8Array, origin: unknown) => {
      if (origin === undo) update = update ? Y.mergeUpdates([update, u]) : u;
    };
    ydoc.on('update', capture);
    undo.undo();
    ydoc.off('update', capture);
    undo.destroy();
    return { update, version, head: rows[rows.length - 1]!.version };
  } finally {
    ydoc.destroy();
  }
}

/** A Yjs client id the doc has never seen (Yjs picks them at random; a collision would reuse another's clocks). */
export function freshClientId(ydoc: Y.Doc): number {
  let id = random.uint32();
  while (ydoc.store.clients.has(id)) id = random.uint32();
  return id;
}

/**
 * Runs `write` in ONE local transaction on `head` (a copy the caller owns) under a fresh Yjs client, which
 * the commit path gives to the writing subject (room/yclient-owners.ts, C5), and returns the update it made,
 * or null if it changed nothing. What a revert of one anchor and a purge write through.
 */
export function writeAsFreshClient(head: Y.Doc, write: () => void): Uint8Array | null {
  head.clientID = freshClientId(head);
  let update: Uint8Array | null = null;
  const capture = (u: Uint8Array) => {
    update = update ? Y.mergeUpdates([update, u]) : u;
  };
  head.on('update', capture);
  try {
    Y.transact(head, write, ORIGIN.LOCAL);
  } finally {
    head.off('update', capture);
  }
  return update;
}
