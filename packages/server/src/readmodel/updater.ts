/**
 * Keeps the anchor read model (anchor-store.ts) up to date from committed updates. The commit path calls
 * `committed()` after each commit of this node; nothing here is awaited by the ack path, and nothing here
 * throws into it: a failure is logged, counted, and retried (with backoff, and at the doc's next commit).
 *
 * Work is serialized per doc and coalesced: commits arriving while a doc's run is in flight only raise its
 * target, and the next pass replays every version after the read model's copy of the doc in one go.
 *
 *   committed(v) ─► target = max(target, v) ─► run (one per doc):
 *     copy cached?  no ─► load snapshot + log to head ─────────────► full recompute     (since: null)
 *                   yes ─► replay versions after the copy's, ─────► incremental change (since: copy's
 *                          collecting touched anchor ids                                 old version)
 *     store.applyCell/applyMeta ─► applied | stale (another node got there first) | behind ─► full
 *     target > reached? run again : done
 *
 * Versions committed by a node that died before updating the read model are picked up by the next pass
 * on that doc, from any node: the pass replays from the Store, not from the commits it was told about.
 * (A doc nobody commits to again stays behind until then; catchUp() runs a pass on demand.)
 * At most `maxConcurrent` passes run at once, so the read model never takes the whole connection pool
 * from the commit path. The lag metric measures, for this node's own commits, commit → read model written.
 */
import {
  cellOfDocId, readCell, readSpaceMeta, spaceOfMetaDocId, type CellEntry,
} from '@cairn/shared';
import type { Store } from '../store/store.js';
import type { Logger } from '../log/logger.js';
import type { ApplyOutcome, CellChange } from './anchor-store.js';
import { advanceDoc, loadDoc, ReplayBroken, type ReplayedDoc } from './doc-replay.js';
import { createDocCache } from './doc-cache.js';
import { cleanEntry, isStorableId } from './entry-codec.js';

export interface ReadModelObserver {
  /** One of this node's commits reached the read model `seconds` after it was committed. */
  lag(seconds: number): void;
  /** An apply failed; it will be retried. */
  failed(): void;
  /** Docs waiting for a retry. */
  retrying(count: number): void;
}

export interface ReadModelUpdater {
  /** A commit of `version` to `doc` (`space/name`) returned. Never throws, never waits. */
  committed(tenant: string, doc: string, version: number): void;
  /** Brings a cell or meta doc's read model to the Store's head; resolves when done, rejects if it failed. */
  catchUp(tenant: string, doc: string): Promise<void>;
  /**
   * L2: drops the replayed copies of a deleted doc (of every doc of a deleted space, `doc` null), so a purge
   * or a restore is read from the Store afresh, never from a copy of what was deleted.
   */
  forget(tenant: string, space: string, doc: string | null): void;
  /** Resolves when no doc has a run in flight (retries scheduled for later may remain). */
  idle(): Promise<void>;
  /** Stops retries and waits for runs in flight. */
  close(): Promise<void>;
}

export interface ReadModelOptions {
  store: Store;
  observer?: ReadModelObserver;
  log?: Logger;
  /** Docs whose replayed copy is kept between commits (doc-cache.ts). Default 256. */
  maxDocs?: number;
  /** Bytes (of snapshot and updates) of the replayed copies kept, over all docs. Default 32 MiB. */
  maxBytes?: number;
  /** A copy no pass used for this long is dropped; 0 never. Default 1,000 ms. */
  idleMs?: number;
  /**
   * Passes running at once, over all docs. Default 4: passes share the Store's connection pool with the
   * commit path, and must not starve it (acks wait for commits, never for the read model).
   */
  maxConcurrent?: number;
  /**
   * Resolves when the ack path has been idle for a moment, or after a bounded wait (CommitPath.quiet). Every
   * pass waits for it first: the read model shares the Store (PGlite: its one connection) and this process
   * with the commits that acks wait for, and during a burst it would take turns with them. Waiting also
   * lets commits pile up per doc, so one pass covers many of them.
   */
  quiet?: () => Promise<void>;
  /** Backoff of retries after failures, ms: base · 2^(failures-1), capped. Default 1 s, 60 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

type Target = { kind: 'cell'; space: string; cell: string } | { kind: 'meta'; space: string };

interface Worker {
  tenant: string;
  doc: string;
  target: Target;
  /** The highest committed version this node knows of. */
  goal: number;
  /** performance.now() at commit, for this node's commits not yet in the read model. */
  stamps: Map<number, number>;
  running: Promise<void> | null;
  failures: number;
  retry: NodeJS.Timeout | null;
}

/** The read model follows cell docs and meta docs; every other doc is none of its business. */
export function readModelTarget(doc: string): Target | null {
  const cell = cellOfDocId(doc);
  if (cell) return { kind: 'cell', ...cell };
  const space = spaceOfMetaDocId(doc);
  return space === null ? null : { kind: 'meta', space };
}

const MAX_STAMPS = 1024;

export function createReadModelUpdater(opts: ReadModelOptions): ReadModelUpdater {
  const { store, observer, log } = opts;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const retryMaxMs = opts.retryMaxMs ?? 60_000;
  const cache = createDocCache({
    maxDocs: opts.maxDocs ?? 256,
    maxBytes: opts.maxBytes ?? 32 * 2 ** 20,
    idleMs: opts.idleMs ?? 1000,
  });
  const workers = new Map<string, Worker>();
  const maxConcurrent = opts.maxConcurrent ?? 4;
  let active = 0;
  const waiting: (() => void)[] = [];
  let closed = false;
  const keyOf = (tenant: string, doc: string) => `${tenant}\u0000${doc}`;

  function cellChange(w: Worker, t: { space: string; cell: string }, d: ReplayedDoc, touched: Set<string> | null, since: number | null): CellChange {
    const raw = readCell(d.ydoc, t.cell, touched ?? undefined);
    const entries = raw.map(cleanEntry).filter((e): e is CellEntry => e !== null);
    const present = new Set(raw.map((e) => e.id));
    const removed = touched ? [...touched].filter((id) => !present.has(id) && isStorableId(id)) : [];
    return { tenant: w.tenant, doc: w.doc, space: t.space, cell: t.cell, version: d.version, since, entries, removed };
  }

  /** One pass: the doc's copy to the Store's head, then into the read model. Returns the version reached. */
  async function pass(w: Worker): Promise<number> {
    const key = keyOf(w.tenant, w.doc);
    const cell = w.target.kind === 'cell' ? w.target.cell : null;
    let d = cache.get(key);
    let since: number | null = null;
    let touched: Set<string> | null = null;
    if (d) {
      since = d.version;
      try {
        touched = await advanceDoc(store, w.tenant, w.doc, d, cell);
      } catch (err) {
        if (!(err instanceof ReplayBroken)) throw err;
        // A row that does not apply (C4): the copy may be half-applied; load it again the way rooms do.
        cache.delete(key);
        d.ydoc.destroy();
        d = undefined;
        since = null;
      }
    }
    d ??= await loadDoc(store, w.tenant, w.doc, cell);
    cache.set(key, d); // again after a replay: the copy grew, and the cache's byte bound counts it
    let outcome: ApplyOutcome;
    if (w.target.kind === 'meta') {
      outcome = await store.anchors.applyMeta({ tenant: w.tenant, doc: w.doc, space: w.target.space, version: d.version, meta: readSpaceMeta(d.ydoc) });
    } else {
      outcome = await store.anchors.applyCell(cellChange(w, w.target, d, touched, since));
      if (outcome.kind === 'behind') outcome = await store.anchors.applyCell(cellChange(w, w.target, d, null, null));
    }
    return outcome.kind === 'stale' ? Math.max(d.version, outcome.applied) : d.version;
  }

  /** Runs fn in one of the maxConcurrent slots; a released slot goes straight to the next waiter. */
  async function inSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (active < maxConcurrent) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  }

  function settle(w: Worker, reached: number): void {
    const now = performance.now();
    for (const [v, at] of w.stamps) {
      if (v > reached) continue;
      observer?.lag((now - at) / 1000);
      w.stamps.delete(v);
    }
  }

  function retrying(): number {
    let n = 0;
    for (const w of workers.values()) if (w.retry) n++;
    return n;
  }

  function scheduleRetry(w: Worker): void {
    if (closed || w.retry) return;
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(30, w.failures - 1));
    w.retry = setTimeout(() => {
      w.retry = null;
      observer?.retrying(retrying());
      kick(w).catch(() => undefined); // run() logged and counted it, and scheduled the next retry
    }, delay);
    w.retry.unref?.();
    observer?.retrying(retrying());
  }

  async function run(w: Worker): Promise<void> {
    const key = keyOf(w.tenant, w.doc);
    try {
      for (;;) {
        await opts.quiet?.();
        const reached = await inSlot(() => pass(w));
        settle(w, reached);
        w.failures = 0;
        if (w.retry) {
          clearTimeout(w.retry);
          w.retry = null;
          observer?.retrying(retrying());
        }
        if (closed || w.goal <= reached) break;
      }
    } catch (err) {
      w.failures++;
      // The copy may be ahead of what was written; the next pass rebuilds it and recomputes the cell whole.
      cache.delete(key);
      observer?.failed();
      log?.warn({ err: err instanceof Error ? err.message : String(err), tenant: w.tenant, doc: w.doc, failures: w.failures }, 'read model update failed; will retry');
      scheduleRetry(w);
      throw err;
    } finally {
      w.running = null;
      if (!w.retry && w.stamps.size === 0 && workers.get(key) === w) workers.delete(key);
    }
  }

  function kick(w: Worker): Promise<void> {
    if (closed) return Promise.resolve();
    w.running ??= run(w);
    return w.running;
  }

  async function idle(): Promise<void> {
    for (;;) {
      const running = [...workers.values()].map((w) => w.running).filter((p): p is Promise<void> => p !== null);
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  function worker(tenant: string, doc: string, target: Target): Worker {
    const key = keyOf(tenant, doc);
    let w = workers.get(key);
    if (!w) workers.set(key, (w = { tenant, doc, target, goal: 0, stamps: new Map(), running: null, failures: 0, retry: null }));
    return w;
  }

  return {
    committed(tenant, doc, version) {
      if (closed) return;
      const target = readModelTarget(doc);
      if (!target) return;
      const w = worker(tenant, doc, target);
      w.goal = Math.max(w.goal, version);
      if (!w.stamps.has(version) && w.stamps.size < MAX_STAMPS) w.stamps.set(version, performance.now());
      // A run in flight picks the new goal up when its pass ends; failures are reported by run() itself.
      kick(w).catch(() => undefined);
    },
    async catchUp(tenant, doc) {
      const target = readModelTarget(doc);
      if (!target || closed) return;
      // A pass in flight may have read the Store before the caller's commit: let it end, then run one more
      // on whichever worker holds the doc by then (never two runs on one doc at once).
      await workers.get(keyOf(tenant, doc))?.running?.catch(() => undefined);
      await kick(worker(tenant, doc, target));
    },
    forget(tenant, space, doc) {
      const exact = doc === null ? null : keyOf(tenant, doc);
      const prefix = keyOf(tenant, `${space}/`);
      cache.deleteWhere((key) => (exact === null ? key.startsWith(prefix) : key === exact));
    },
    idle,
    async close() {
      closed = true;
      for (const w of workers.values()) {
        if (w.retry) clearTimeout(w.retry);
        w.retry = null;
      }
      await idle();
      cache.close();
    },
  };
}
