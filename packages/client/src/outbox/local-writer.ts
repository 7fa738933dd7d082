/**
 * ② The local write. Every local Yjs update is queued here in edit order and written to the replica
 * (doc state + outbox row in one transaction, O1). Updates that queue up while a write is in flight go
 * into the next write together, and the updates of one doc in a write are merged into one outbox row: a
 * burst of keystrokes costs one transaction and one push, not one per keystroke.
 *
 * A merged row stops growing at MAX_MERGED_ROW_BYTES, far below the server's 1 MiB frame limit: a burst
 * of thousands of creates becomes many ordinary pushes, not one push the server refuses (A3). A single
 * update above the cap stays one row; the push loop sends it in fragments.
 */
import * as Y from 'yjs';
import { createSerialQueue } from '../serial-queue.js';
import type { LocalWrite } from '../replica/replica-store.js';

export interface WrittenUpdate {
  doc: string;
  update: Uint8Array;
  seq: number;
}

export interface LocalWriterOptions {
  write(writes: readonly LocalWrite[], at: number): Promise<number[]>;
  now(): number;
  onQueued(): void;
  /** `dequeued` queued updates were written as `written` (fewer, when merged). */
  onWritten(written: WrittenUpdate[], dequeued: number): void;
  onError(err: unknown, dequeued: number): void;
}

export interface LocalWriter {
  enqueue(doc: string, update: Uint8Array): void;
  /** Resolves when every update queued so far is written. */
  flush(): Promise<void>;
}

/** 64 KiB: a merged row is at most about this big (the sum of its parts; Yjs merging only shrinks it). */
export const MAX_MERGED_ROW_BYTES = 64 * 1024;

/**
 * Merges the updates of each doc in one write into rows of up to the cap, in the order each row was
 * started; updates of one doc keep their order. Updates of different docs are not kept in edit order
 * relative to each other: concurrent creates in many cells interleave (each cell's doc opens on its own
 * chain), and keeping that order would leave every row one update long. Docs are independent, and the
 * server commits and delivers each doc on its own, so no reader depends on that order.
 */
function coalesce(queued: readonly LocalWrite[]): LocalWrite[] {
  const rows: { doc: string; updates: Uint8Array[]; bytes: number }[] = [];
  const open = new Map<string, (typeof rows)[number]>();
  for (const w of queued) {
    const row = open.get(w.doc);
    if (row && row.bytes + w.update.byteLength <= MAX_MERGED_ROW_BYTES) {
      row.updates.push(w.update);
      row.bytes += w.update.byteLength;
      continue;
    }
    const next = { doc: w.doc, updates: [w.update], bytes: w.update.byteLength };
    rows.push(next);
    open.set(w.doc, next);
  }
  return rows.map((r) => ({ doc: r.doc, update: r.updates.length === 1 ? r.updates[0]! : Y.mergeUpdates(r.updates) }));
}

export function createLocalWriter(o: LocalWriterOptions): LocalWriter {
  const queue = createSerialQueue();
  let queued: LocalWrite[] = [];
  let scheduled = false;

  async function drain(): Promise<void> {
    scheduled = false;
    const taken = queued;
    queued = [];
    const writes = coalesce(taken);
    try {
      const seqs = await o.write(writes, o.now());
      o.onWritten(writes.map((w, i) => ({ ...w, seq: seqs[i]! })), taken.length);
    } catch (err) {
      // Only a bug gets here: storage failures are absorbed by the replica (O6).
      o.onError(err, taken.length);
    }
  }

  return {
    enqueue(doc, update) {
      queued.push({ doc, update });
      o.onQueued();
      if (scheduled) return;
      scheduled = true;
      void queue.run(drain);
    },
    flush: () => queue.idle(),
  };
}
