/**
 * ② The local write. Every local Yjs update is queued here in edit order and written to the replica
 * (doc state + outbox row in one transaction, O1). Updates that queue up while a write is in flight go
 * into the next write together, and consecutive updates of one doc are merged into one outbox row: a
 * burst of keystrokes costs one transaction and one push, not one per keystroke.
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

/** Merges runs of updates to the same doc; order across docs is kept. */
function coalesce(queued: readonly LocalWrite[]): LocalWrite[] {
  const out: { doc: string; updates: Uint8Array[] }[] = [];
  for (const w of queued) {
    const last = out[out.length - 1];
    if (last?.doc === w.doc) last.updates.push(w.update);
    else out.push({ doc: w.doc, updates: [w.update] });
  }
  return out.map((r) => ({ doc: r.doc, update: r.updates.length === 1 ? r.updates[0]! : Y.mergeUpdates(r.updates) }));
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
