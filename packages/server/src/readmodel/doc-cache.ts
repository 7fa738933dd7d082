/**
 * The read model's cache of replayed docs (doc-replay.ts), keyed by tenant and doc. A copy here is a second
 * in-memory copy of a doc a room on this node usually holds too, so the cache is bounded three ways:
 *
 *   - by count (`maxDocs`), least recently used first;
 *   - by size (`maxBytes`): the bytes of snapshot and updates each copy was built from, a cheap stand-in
 *     for its heap (encoding the state to measure it would cost as much as the replay it saves);
 *   - by time (`idleMs`): a copy no pass has used for that long is dropped. A copy only pays off while its
 *     doc is being written to; once a burst is over, a cold copy is memory the server never gets back.
 *
 * A dropped copy costs the doc's next pass a load from snapshot + log (and a full recompute of its cell)
 * instead of a replay of the few versions after it: the trade measured in docs/DECISIONS.md.
 */
import type { ReplayedDoc } from './doc-replay.js';

export interface DocCacheLimits {
  maxDocs: number;
  maxBytes: number;
  /** 0: never dropped for being idle. */
  idleMs: number;
}

export interface DocCache {
  get(key: string): ReplayedDoc | undefined;
  /** Adds or refreshes a copy, then drops copies past the limits (least recently used first). */
  set(key: string, d: ReplayedDoc): void;
  delete(key: string): void;
  /** Drops every copy whose key passes `match` (L2: the docs of a deleted space). */
  deleteWhere(match: (key: string) => boolean): void;
  readonly size: number;
  /** Bytes of the copies held (ReplayedDoc.bytes). */
  readonly bytes: number;
  /** Stops the idle sweep; copies held are dropped. */
  close(): void;
}

interface Slot {
  d: ReplayedDoc;
  usedAt: number;
}

export function createDocCache(limits: DocCacheLimits): DocCache {
  // Insertion-ordered: the first key is the least recently used copy.
  const slots = new Map<string, Slot>();
  let sweep: NodeJS.Timeout | null = null;

  const total = () => {
    let n = 0;
    for (const s of slots.values()) n += s.d.bytes;
    return n;
  };

  // Dropped, never destroyed: the dropped doc's own pass may still be replaying into it.
  function trim(): void {
    let bytes = total();
    while (slots.size > 0 && (slots.size > limits.maxDocs || bytes > limits.maxBytes)) {
      const [k, s] = slots.entries().next().value!;
      slots.delete(k);
      bytes -= s.d.bytes;
    }
  }

  function dropIdle(): void {
    const before = performance.now() - limits.idleMs;
    for (const [k, s] of slots) {
      if (s.usedAt > before) break; // the rest were used later
      slots.delete(k);
    }
    if (slots.size === 0 && sweep) {
      clearInterval(sweep);
      sweep = null;
    }
  }

  function touch(key: string, d: ReplayedDoc): void {
    slots.delete(key);
    slots.set(key, { d, usedAt: performance.now() });
    if (limits.idleMs > 0 && !sweep) {
      sweep = setInterval(dropIdle, Math.max(50, limits.idleMs / 2));
      sweep.unref?.();
    }
  }

  return {
    get(key) {
      const s = slots.get(key);
      if (s) touch(key, s.d);
      return s?.d;
    },
    set(key, d) {
      touch(key, d);
      trim();
    },
    delete(key) {
      slots.delete(key);
    },
    deleteWhere(match) {
      for (const key of [...slots.keys()]) if (match(key)) slots.delete(key);
    },
    get size() {
      return slots.size;
    },
    get bytes() {
      return total();
    },
    close() {
      if (sweep) clearInterval(sweep);
      sweep = null;
      slots.clear();
    },
  };
}
