/**
 * "Synced" must mean synced: the dead letters (O7) are local edits the server will never take as they are,
 * so the status counts them and whenSynced() rejects while any exist (UndeliverableError, code
 * UNDELIVERABLE). The list is re-read from the replica after every change (retry, discard, other tabs);
 * a letter this client just moved is counted at once, before the outbox re-read can show one row fewer, so
 * the status never passes through a false `synced` between the two; one it retried or discarded is
 * uncounted at once, so a whenSynced() right after sees the change. A re-read that raced with such a
 * change is discarded and repeated, like the pending count's.
 */
import { CairnError, type ErrorCode } from '@cairn/shared';
import type { DeadLetter } from '../replica/replica-store.js';
import { createSerialQueue } from '../serial-queue.js';

/** What an app needs to find an undeliverable edit: `client.deadLetters` has the rest. */
export interface UndeliverableEdit {
  seq: number;
  doc: string;
  code: ErrorCode;
}

/** whenSynced()'s rejection while edits sit in the dead letters. */
export class UndeliverableError extends CairnError {
  readonly deadLetters: readonly UndeliverableEdit[];
  constructor(deadLetters: readonly UndeliverableEdit[]) {
    const codes = [...new Set(deadLetters.map((d) => d.code))].join(', ');
    super('UNDELIVERABLE', `${deadLetters.length} local edit(s) refused for good (${codes}); retry or discard them through client.deadLetters`);
    this.deadLetters = deadLetters;
  }
}

export interface Undeliverable {
  readonly edits: readonly UndeliverableEdit[];
  /** This client just moved a push to the dead letters. */
  added(edit: UndeliverableEdit): void;
  /** This client just retried or discarded dead letter `seq`: counted at once, so whenSynced() right after sees it. */
  removed(seq: number): void;
  /** Re-read the dead letters (after a retry, a discard, another tab's change, a replica switch). */
  refresh(): void;
}

export function createUndeliverable(read: () => Promise<DeadLetter[]>, onChange: (count: number) => void): Undeliverable {
  const queue = createSerialQueue();
  let edits: UndeliverableEdit[] = [];
  let epoch = 0;
  let refreshQueued = false;

  async function reread(): Promise<void> {
    refreshQueued = false;
    const seen = epoch;
    let letters: DeadLetter[];
    try {
      letters = await read();
    } catch {
      return; // the replica is closing; the next change re-reads
    }
    if (seen !== epoch) return tracker.refresh();
    edits = letters.map((l) => ({ seq: l.seq, doc: l.doc, code: l.code })).sort((a, b) => a.seq - b.seq);
    onChange(edits.length);
  }

  function changedHere(): void {
    epoch++;
    onChange(edits.length);
    tracker.refresh();
  }

  const tracker: Undeliverable = {
    get edits() {
      return edits;
    },
    added(edit) {
      if (!edits.some((e) => e.seq === edit.seq)) edits = [...edits, edit];
      changedHere();
    },
    removed(seq) {
      edits = edits.filter((e) => e.seq !== seq);
      changedHere();
    },
    refresh() {
      if (refreshQueued) return;
      refreshQueued = true;
      void queue.run(reread);
    },
  };
  return tracker;
}
