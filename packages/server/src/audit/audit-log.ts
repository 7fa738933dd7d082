/**
 * L4: a node's audit log. Stages call `record()` (or `committed()` for a push the Store stored); it only
 * queues, synchronously, and never throws or waits, so no commit, ack or refusal ever waits for the audit
 * table. A timer writes the queue to the Store in batches (one statement each) off the commit path.
 *
 *   record ─► queue (coalesced, bounded) ─► every flushMs, or at maxBatch: sink(rows), one at a time
 *                 │                                          │
 *                 └─ full: the oldest row is dropped,        └─ failed and retryable: rows go back to the
 *                    counted (reason overflow)                  front (still bounded); refused: dropped, counted
 *
 * Equal events of one flush window (same action, tenant, subject, client, space, doc, outcome and detail)
 * become one row with a count; committed pushes of one principal, client and doc become one `write` row
 * with the version range. A busy writer costs a row per flush window, not a row per push: the audit table
 * must not double the insert load of the commit path (docs/DECISIONS.md).
 *
 * close() writes what is queued, within a time bound (a hung Store must not hang shutdown); what it could
 * not write is counted (reason shutdown).
 */
import { isCairnError } from '@cairn/shared';
import type { AuditEvent, AuditRow } from './audit-event.js';
import { cleanAuditText, cleanAuditDetail } from './audit-text.js';

export interface AuditObserver {
  /** Rows written to the Store. */
  written(rows: number): void;
  /** Events lost: `overflow` (queue full), `failed` (the Store refused the batch), `shutdown` (close timed out). */
  dropped(events: number, reason: 'overflow' | 'failed' | 'shutdown'): void;
  /** Rows waiting to be written. */
  queued(rows: number): void;
  /** A batch the Store did not take (logged by the caller). */
  failed?(err: unknown): void;
}

export interface AuditLog {
  /** Queues one event; never throws, never waits. */
  record(event: AuditEvent): void;
  /** Queues a committed push of `doc` at `version` (coalesced into the window's `write` row). */
  committed(push: { tenant: string; actor: string; clientId: string; doc: string }, version: number): void;
  /** Writes everything queued now (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops the timer and writes what is queued, waiting at most `closeTimeoutMs`. */
  close(): Promise<void>;
  readonly queued: number;
}

export interface AuditLogOptions {
  /** Where rows go: Store.appendAudit. */
  sink: (rows: readonly AuditRow[]) => Promise<void>;
  node: string;
  observer?: AuditObserver;
  /** Default 1000 ms. */
  flushMs?: number;
  /** Rows per statement, and the queue length that starts a flush at once. Default 500. */
  maxBatch?: number;
  /** Rows that may wait; past it the oldest is dropped. Default 10,000. */
  maxQueued?: number;
  /** Default 5000 ms. */
  closeTimeoutMs?: number;
  now?: () => number;
}

interface Entry {
  row: AuditRow;
  lastAt: number;
  /** `write` rows: the version range of the pushes they stand for. */
  versions?: { from: number; to: number };
}

const noObserver: AuditObserver = { written() {}, dropped() {}, queued() {} };

export function createAuditLog(opts: AuditLogOptions): AuditLog {
  const observer = opts.observer ?? noObserver;
  const flushMs = opts.flushMs ?? 1000;
  const maxBatch = opts.maxBatch ?? 500;
  const maxQueued = opts.maxQueued ?? 10_000;
  const closeTimeoutMs = opts.closeTimeoutMs ?? 5000;
  const now = opts.now ?? Date.now;
  /** Coalescing key → entry; Map order is arrival order, the first entry the oldest. */
  let queue = new Map<string, Entry>();
  let inFlight: Promise<void> | null = null;
  let soon = false;
  let closed = false;
  const timer = setInterval(() => void flushOnce(), flushMs);
  timer.unref?.();

  function add(key: string, make: () => Entry, merge: (e: Entry) => void): void {
    if (closed) return;
    const existing = queue.get(key);
    if (existing) {
      existing.row.count++;
      existing.lastAt = now();
      merge(existing);
      return;
    }
    queue.set(key, make());
    if (queue.size > maxQueued) {
      const [oldestKey, oldest] = queue.entries().next().value!;
      queue.delete(oldestKey);
      observer.dropped(oldest.row.count, 'overflow');
    }
    observer.queued(queue.size);
    if (queue.size >= maxBatch && !soon) {
      soon = true;
      setImmediate(() => {
        soon = false;
        void flushOnce();
      });
    }
  }

  function rowOf(e: Entry): AuditRow {
    const extra: Record<string, unknown> = {};
    if (e.versions) Object.assign(extra, { fromVersion: e.versions.from, toVersion: e.versions.to });
    if (e.row.count > 1) extra.lastAt = new Date(e.lastAt).toISOString();
    return Object.keys(extra).length === 0 ? e.row : { ...e.row, detail: { ...e.row.detail, ...extra } };
  }

  /** Writes one batch unless one is in flight; resolves when that batch settled. */
  function flushOnce(): Promise<void> {
    if (inFlight) return inFlight;
    if (queue.size === 0) return Promise.resolve();
    const batch: Entry[] = [];
    for (const [key, e] of queue) {
      batch.push(e);
      queue.delete(key);
      if (batch.length >= maxBatch) break;
    }
    observer.queued(queue.size);
    const rows = batch.map(rowOf);
    inFlight = opts.sink(rows).then(
      () => observer.written(rows.length),
      (err: unknown) => {
        observer.failed?.(err);
        const events = batch.reduce((n, e) => n + e.row.count, 0);
        // A batch the schema refused would be refused again: only a retryable failure is tried again.
        if (closed || !isCairnError(err) || !err.retryable) return observer.dropped(events, 'failed');
        requeue(batch);
      },
    ).finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  /** Puts a failed batch back in front of what arrived meanwhile, keeping the newest within the bound. */
  function requeue(batch: Entry[]): void {
    const merged = new Map<string, Entry>();
    batch.forEach((e, i) => merged.set(`retry\u0000${i}\u0000${now()}`, e));
    for (const [key, e] of queue) merged.set(key, e);
    let excess = merged.size - maxQueued;
    for (const [key, e] of merged) {
      if (excess-- <= 0) break;
      merged.delete(key);
      observer.dropped(e.row.count, 'overflow');
    }
    queue = merged;
    observer.queued(queue.size);
  }

  async function flushAll(): Promise<void> {
    // A failed batch goes back to the queue; stop when a round makes no progress.
    for (let before = Infinity; (queue.size > 0 || inFlight) && queue.size < before; ) {
      before = queue.size;
      await flushOnce();
      if (inFlight) await inFlight;
    }
  }

  /** The callers are the commit path and the sessions: a bug here costs an audit event (counted), never an ack. */
  function safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      observer.failed?.(err);
      observer.dropped(1, 'failed');
    }
  }

  function base(event: AuditEvent): AuditRow {
    return {
      at: new Date(now()),
      tenant: cleanAuditText(event.tenant),
      subject: cleanAuditText(event.subject),
      clientId: cleanAuditText(event.clientId),
      node: opts.node,
      action: event.action,
      space: cleanAuditText(event.space),
      doc: cleanAuditText(event.doc),
      outcome: event.outcome ?? 'ok',
      count: 1,
      detail: cleanAuditDetail(event.detail),
    };
  }

  return {
    record(event) {
      safely(() => {
        const row = base(event);
        const key = JSON.stringify([row.action, row.tenant, row.subject, row.clientId, row.space, row.doc, row.outcome, row.detail]);
        add(key, () => ({ row, lastAt: row.at.getTime() }), () => {});
      });
    },
    committed(push, version) {
      safely(() => {
        const space = push.doc.slice(0, push.doc.indexOf('/'));
        const key = JSON.stringify(['write', push.tenant, push.actor, push.clientId, push.doc]);
        add(
          key,
          () => {
            const row = base({ action: 'write', tenant: push.tenant, subject: push.actor, clientId: push.clientId, space, doc: push.doc });
            return { row, lastAt: row.at.getTime(), versions: { from: version, to: version } };
          },
          (e) => {
            e.versions = { from: Math.min(e.versions!.from, version), to: Math.max(e.versions!.to, version) };
          },
        );
      });
    },
    flush: flushAll,
    async close() {
      clearInterval(timer);
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timeout = setTimeout(() => resolve('timeout'), closeTimeoutMs)));
      const result = await Promise.race([flushAll().then(() => 'done' as const), timedOut]);
      clearTimeout(timeout);
      closed = true;
      if (result === 'timeout' || queue.size > 0) {
        const events = [...queue.values()].reduce((n, e) => n + e.row.count, 0);
        if (events > 0) observer.dropped(events, 'shutdown');
        queue.clear();
        observer.queued(0);
      }
    },
    get queued() {
      return queue.size;
    },
  };
}
