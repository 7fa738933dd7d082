/**
 * Cell index saves (spatial/cell-index.ts), held back a moment: a space reads its cell docs whole while it
 * opens them, and writing each one's index at once would put IndexedDB's copy of every entry (structured
 * clone, on the main thread) between the opens of the other cells. They are written `delayMs` after the
 * last one came in, or at once on flush() (the replica closes). A newer save of a doc replaces a pending one.
 * A save is best effort: it only spares the next open a read of the doc, so a failure is dropped.
 */
import type { Timers } from '../socket/timers.js';

export interface CellIndexSaves {
  add(doc: string, mark: number, input: unknown): void;
  /** Writes what is pending and resolves once every save under way is done. */
  flush(): Promise<void>;
}

export function createCellIndexSaves(save: (doc: string, mark: number, input: unknown) => Promise<void>, timers: Timers, delayMs: number): CellIndexSaves {
  const pending = new Map<string, { mark: number; input: unknown }>();
  const running = new Set<Promise<void>>();
  let timer: unknown = null;

  const write = (): void => {
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
    for (const [doc, { mark, input }] of pending) {
      const run = save(doc, mark, input).catch(() => undefined);
      running.add(run);
      void run.then(() => running.delete(run));
    }
    pending.clear();
  };

  return {
    add(doc, mark, input) {
      pending.set(doc, { mark, input });
      if (timer !== null) timers.clearTimeout(timer);
      timer = timers.setTimeout(write, delayMs);
    },
    async flush() {
      write();
      await Promise.all(running);
    },
  };
}
