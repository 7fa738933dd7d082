/**
 * A memory Store whose room loads (loadSnapshot, the first read of every load) a test can hold, count and
 * make fail: how many loads ran, how many ran at once, and for which docs.
 */
import { createMemoryStore, type Store } from '@cairn/server';

export function loadCountingStore(inner: Store = createMemoryStore()) {
  const docs: string[] = [];
  let running = 0;
  let peak = 0;
  let failing = false;
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  const store: Store = {
    ...inner,
    kind: inner.kind,
    async loadSnapshot(tenant, doc) {
      docs.push(doc);
      running++;
      peak = Math.max(peak, running);
      try {
        if (gate) await gate;
        if (failing) throw new Error('connection terminated unexpectedly');
        return await inner.loadSnapshot(tenant, doc);
      } finally {
        running--;
      }
    },
  };
  return {
    store,
    /** Docs whose load started, in order (a doc twice = loaded twice). */
    docs,
    get running() {
      return running;
    },
    get peak() {
      return peak;
    },
    /** Holds every load until release() (loads already waiting go on then). */
    hold(): void {
      gate = new Promise<void>((r) => (open = r));
    },
    release(): void {
      gate = null;
      open();
    },
    fail(on: boolean): void {
      failing = on;
    },
  };
}
