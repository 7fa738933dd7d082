/**
 * L3: the database's epoch for welcome frames, read from the Store once and then again at most every
 * `ttlMs`, so a hello costs no query while a `cairn-server new-epoch` (or an import) on a running deployment
 * reaches new sessions within that time. A failed read is not cached: the next hello asks again.
 */
import type { Store } from '../store/store.js';

export interface EpochCache {
  /** The epoch as of at most ttlMs ago; rejects with the Store's error if it cannot be read. */
  current(): Promise<string>;
}

export const DEFAULT_EPOCH_TTL_MS = 5_000;

export function createEpochCache(store: Pick<Store, 'epoch'>, ttlMs = DEFAULT_EPOCH_TTL_MS, now: () => number = () => performance.now()): EpochCache {
  let cached: { value: Promise<string>; at: number } | null = null;
  return {
    current() {
      if (cached && now() - cached.at < ttlMs) return cached.value;
      const entry = { value: store.epoch(), at: now() };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = null;
      });
      return entry.value;
    },
  };
}
