/**
 * When anchors expire (X4): a binary min-heap of (expiresAt, id). Rewriting an anchor pushes a new
 * entry instead of finding the old one; entries whose anchor no longer has that expiry are stale and
 * skipped when they surface, and the heap is rebuilt when stale entries outnumber live ones.
 */
interface Slot {
  at: number;
  id: string;
}

export interface ExpiryQueue {
  push(id: string, at: number): void;
  /** Ids whose current expiry is <= nowMs, removed from the queue. */
  popDue(nowMs: number): string[];
  /** The earliest current expiry, if any. */
  next(): number | undefined;
  clear(): void;
}

/** `expiryOf(id)` is the id's current expiresAt, or undefined if it has none or is gone. */
export function createExpiryQueue(expiryOf: (id: string) => number | undefined): ExpiryQueue {
  let heap: Slot[] = [];

  const less = (i: number, j: number) => heap[i]!.at < heap[j]!.at;
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const pop = (): Slot | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      down(0);
    }
    return top;
  };
  const isCurrent = (s: Slot) => expiryOf(s.id) === s.at;
  const compact = () => {
    const seen = new Set<string>();
    const live = heap.filter((s) => isCurrent(s) && !seen.has(s.id) && seen.add(s.id));
    if (live.length * 2 + 64 >= heap.length) return;
    heap = live;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  };

  return {
    push(id, at) {
      heap.push({ id, at });
      up(heap.length - 1);
      if (heap.length > 128 && (heap.length & (heap.length - 1)) === 0) compact();
    },
    popDue(nowMs) {
      const due = new Set<string>();
      while (heap.length > 0 && heap[0]!.at <= nowMs) {
        const s = pop()!;
        if (isCurrent(s)) due.add(s.id);
      }
      return [...due];
    },
    next() {
      while (heap.length > 0 && !isCurrent(heap[0]!)) pop();
      return heap[0]?.at;
    },
    clear() {
      heap = [];
    },
  };
}
