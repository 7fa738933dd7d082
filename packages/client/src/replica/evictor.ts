/**
 * When eviction passes run and with which cut-off (the rule itself is eviction.ts). A pass runs when the
 * replica opens, every `intervalMs` after that, and when IndexedDB runs out of quota (replica.ts calls
 * `makeRoom`). Each pass first records a visit for every doc this client holds: another tab sharing the
 * database then sees those docs as visited within the last interval and keeps them, even though they are
 * not open in its own client. A quota pass records nothing (see pass()).
 *
 * An age pass evicts cell docs not visited for `evictAfterMs`. A quota pass evicts every cell doc not
 * visited for two intervals (or `evictAfterMs`, if shorter): persisting the outbox matters more than an
 * offline copy of cells the server holds, and two intervals still spare the cells other live tabs hold.
 */
import { CairnError } from '@cairn/shared';
import { createSerialQueue } from '../serial-queue.js';
import type { Timers } from '../socket/timers.js';
import type { EvictionResult, EvictionRule } from './eviction.js';

export const DEFAULT_EVICT_AFTER_MS = 30 * 24 * 3600_000;
/** Passes run at most this far apart (and at least four times per `evictAfterMs`). */
export const MAX_EVICTION_INTERVAL_MS = 15 * 60_000;
export const DEFAULT_RETRY_PERSIST_MS = 30_000;

export interface EvictionTarget {
  visit(docs: readonly string[], at: number): Promise<void>;
  evict(rule: EvictionRule): Promise<EvictionResult>;
}

export interface EvictorOptions {
  evictAfterMs: number;
  maxCells: number | undefined;
  now(): number;
  /** Ids of the docs this client holds (open or hydrating). */
  heldIds(): string[];
  held(doc: string): boolean;
  timers: Timers;
  onEvicted(result: EvictionResult): void;
  onError(err: unknown): void;
}

export interface Evictor {
  /** One pass on `target`; `keep` names more docs to spare (see ReplicaOptions.makeRoom). */
  pass(target: EvictionTarget, reason: 'age' | 'quota', keep?: ReadonlySet<string>): Promise<EvictionResult>;
  /** A pass now and then every interval, on `target`. */
  start(target: EvictionTarget): void;
  stop(): void;
}

export function checkReplicaOptions(o: { evictAfterMs?: unknown; maxCells?: unknown; retryPersistMs?: unknown } = {}): void {
  const positive = (name: string, v: unknown, integer: boolean) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new CairnError('BAD_REQUEST', `replica.${name} must be a ${integer ? 'positive integer' : 'number > 0'} (got ${String(v)})`);
    }
  };
  positive('evictAfterMs', o.evictAfterMs, false);
  positive('maxCells', o.maxCells, true);
  positive('retryPersistMs', o.retryPersistMs, false);
}

export function createEvictor(o: EvictorOptions): Evictor {
  const intervalMs = Math.min(o.evictAfterMs / 4, MAX_EVICTION_INTERVAL_MS);
  const quotaKeepMs = Math.min(o.evictAfterMs, 2 * intervalMs);
  const queue = createSerialQueue();
  let timer: unknown = null;
  let stopped = false;

  const pass = (target: EvictionTarget, reason: 'age' | 'quota', keep: ReadonlySet<string> = new Set()) =>
    queue.run(async () => {
      const now = o.now();
      // A quota pass writes nothing: on a full disk even a visit's put fails. Deletes need no quota.
      if (reason === 'age') await target.visit(o.heldIds(), now);
      const result = await target.evict({
        visitedBefore: now - (reason === 'quota' ? quotaKeepMs : o.evictAfterMs),
        maxCells: o.maxCells,
        held: (doc) => o.held(doc) || keep.has(doc),
        now: reason === 'age' ? now : null,
      });
      if (result.docs.length > 0) o.onEvicted(result);
      return result;
    });

  const tick = (target: EvictionTarget): void => {
    timer = null;
    void pass(target, 'age')
      .catch(o.onError)
      .finally(() => {
        if (!stopped) timer = o.timers.setTimeout(() => tick(target), intervalMs);
      });
  };

  return {
    pass,
    start(target) {
      if (!stopped && timer === null) tick(target);
    },
    stop() {
      stopped = true;
      if (timer !== null) o.timers.clearTimeout(timer);
      timer = null;
    },
  };
}
