/**
 * What an in-memory replica gives back to IndexedDB once a write fits again after a quota failure
 * (replica.ts). Only the docs held now and the docs edited in memory go back, as full states the store
 * diffs against what it has: writing every carried doc would undo the eviction pass that made the room,
 * and need the very space that was missing. The rows the memory replica carried out of the store are
 * replaced by its own, under new seqs.
 */
import * as Y from 'yjs';
import type { Handover, ReplicaDump } from './replica-store.js';

/** What the memory replica read from the failed store: seqs and spaces to replace on handover. */
export interface Carried {
  outbox: number[];
  deadLetters: number[];
  alignments: string[];
}

export const NOTHING_CARRIED: Carried = { outbox: [], deadLetters: [], alignments: [] };

export function carriedFrom(dump: Pick<ReplicaDump, 'outbox' | 'deadLetters' | 'alignments'>): Carried {
  return { outbox: dump.outbox.map((r) => r.seq), deadLetters: dump.deadLetters.map((d) => d.seq), alignments: [...dump.alignments.keys()] };
}

/**
 * `memory`: the memory replica's dump; `held`: full states of the docs open now; `touched`: docs edited
 * locally in memory; `from`: what it carried out of the store.
 */
export function buildHandover(memory: ReplicaDump, held: ReadonlyMap<string, Uint8Array>, touched: ReadonlySet<string>, from: Carried): Handover {
  const docs = new Map<string, Uint8Array>();
  for (const doc of new Set([...touched, ...held.keys()])) {
    const parts = [memory.docs.get(doc), held.get(doc)].filter((u): u is Uint8Array => u !== undefined);
    if (parts.length > 0) docs.set(doc, parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts));
  }
  return {
    docs,
    versions: memory.versions,
    outbox: memory.outbox.map(({ seq: _, ...row }) => row),
    deadLetters: memory.deadLetters.map(({ seq: _, ...letter }) => letter),
    alignments: memory.alignments,
    dropOutbox: from.outbox,
    dropDeadLetters: from.deadLetters,
    dropAlignments: from.alignments.filter((space) => !memory.alignments.has(space)),
  };
}
