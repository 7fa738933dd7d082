/**
 * An in-memory copy of the outbox rows and dead letters this tab has written or read. When the browser
 * evicts the database, nothing can be read back from it; the mirror is what carries the pending outbox
 * over into the in-memory replica (O6), so evicted storage never silently drops an un-acked edit.
 */
import type { DeadLetter, OutboxRow } from './replica-store.js';

export interface OutboxMirror {
  saw(rows: readonly OutboxRow[]): void;
  acked(seq: number): void;
  sawDeadLetters(letters: readonly DeadLetter[]): void;
  deadLettered(letter: DeadLetter): void;
  retried(oldSeq: number, newSeq: number, at: number): void;
  discarded(seq: number): void;
  snapshot(): { outbox: OutboxRow[]; deadLetters: DeadLetter[] };
}

export function createOutboxMirror(): OutboxMirror {
  const rows = new Map<number, OutboxRow>();
  const dead = new Map<number, DeadLetter>();
  return {
    saw(list) {
      for (const r of list) rows.set(r.seq, r);
    },
    acked(seq) {
      for (const key of [...rows.keys()]) if (key <= seq) rows.delete(key);
    },
    sawDeadLetters(list) {
      for (const d of list) dead.set(d.seq, d);
    },
    deadLettered(letter) {
      rows.delete(letter.seq);
      dead.set(letter.seq, letter);
    },
    retried(oldSeq, newSeq, at) {
      const letter = dead.get(oldSeq);
      dead.delete(oldSeq);
      if (letter) rows.set(newSeq, { seq: newSeq, doc: letter.doc, update: letter.update, createdAt: at });
    },
    discarded(seq) {
      dead.delete(seq);
    },
    snapshot: () => ({
      outbox: [...rows.values()].sort((a, b) => a.seq - b.seq),
      deadLetters: [...dead.values()].sort((a, b) => a.seq - b.seq),
    }),
  };
}
